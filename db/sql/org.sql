-- Regions, departments, their windows, posts and staff.

-- name: list_regions
SELECT code, name, level, kind, parent_code
FROM regions
WHERE ($1::varchar IS NULL OR parent_code = $1)
  AND ($2::smallint IS NULL OR level = $2)
ORDER BY code;

-- name: list_regions_by_code
SELECT code, name, level, kind, parent_code
FROM regions
WHERE code = ANY($1::varchar[]);

-- name: list_departments
SELECT id, code, name, short_name, region_code, service_level, hall, phone, address
FROM departments
WHERE ($1::varchar IS NULL OR region_code = $1)
  AND ($2::text IS NULL OR service_level = $2)
ORDER BY position, id;

-- name: list_departments_by_id
SELECT id, code, name, short_name, region_code, service_level, hall, phone, address
FROM departments
WHERE id = ANY($1::int[]);

-- name: list_departments_by_code
SELECT id, code, name, short_name, region_code, service_level, hall, phone, address
FROM departments
WHERE code = ANY($1::text[]);

-- name: list_windows_by_department
SELECT id, department_id, number, name
FROM service_windows
WHERE department_id = ANY($1::int[])
ORDER BY department_id, number;

-- name: list_posts_by_department
SELECT id, department_id, name, duties
FROM posts
WHERE department_id = ANY($1::int[])
ORDER BY department_id, id;

-- name: list_staff_by_department
SELECT s.id, s.staff_no, s.department_id, s.name, s.phone, s.active, p.name AS post_name
FROM staff s
LEFT JOIN posts p ON p.id = s.post_id
WHERE s.department_id = ANY($1::int[])
ORDER BY s.department_id, s.staff_no;

-- name: get_staff_by_no
SELECT s.id, s.staff_no, s.department_id, s.name, s.phone, s.active, p.name AS post_name
FROM staff s
LEFT JOIN posts p ON p.id = s.post_id
WHERE s.staff_no = $1;
