-- The official working-day calendar, one year at a time.

-- name: list_loaded_years
SELECT year FROM calendar_years ORDER BY year;

-- name: insert_year
INSERT INTO calendar_years (year, source) VALUES ($1, $2);

-- name: list_calendar_days
SELECT day, is_working FROM calendar_days ORDER BY day;
