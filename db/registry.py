"""The registry of officials and village cadres and the relatives they declared, which the
"beneficiary is an official" red flag reads."""

from __future__ import annotations

from dataclasses import dataclass

from db.executor import Connection, Executor
from db.queries import load

Q = load("registry")


@dataclass(frozen=True, slots=True)
class NewOfficial:
    name: str
    id_number: str
    kind: str  # official | village_cadre
    department_id: int | None
    village_code: str | None
    position: str


async def get_official_id_by_id_number(db: Executor, *, id_number: str) -> int | None:
    official_id: int | None = await db.fetchval(Q.get_official_id_by_id_number, id_number)
    return official_id


async def insert_official(conn: Connection, *, official: NewOfficial) -> int:
    o = official
    official_id: int = await conn.fetchval(
        Q.insert_official, o.name, o.id_number, o.kind, o.department_id, o.village_code, o.position
    )
    return official_id


async def has_relative(db: Executor, *, official_id: int, id_number: str) -> bool:
    return bool(await db.fetchval(Q.has_relative, official_id, id_number))


async def insert_relative(
    conn: Connection, *, official_id: int, name: str, id_number: str, relation: str
) -> None:
    await conn.execute(Q.insert_relative, official_id, name, id_number, relation)
