"""The throwaway PostgreSQL server of the test kit: real, reachable, one fresh database per test."""

from __future__ import annotations

import asyncpg


async def test_each_test_gets_its_own_empty_database_on_a_real_server(practica_pg, pg_dsn):
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert (await conn.fetchval("SELECT version()")).startswith("PostgreSQL")
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        await conn.execute("CREATE TABLE demo_notes (body TEXT)")
    finally:
        await conn.close()
    other = await practica_pg.new_database()
    assert other != pg_dsn
    conn = await asyncpg.connect(other)
    try:  # what one test wrote is not in the next one's database
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE tablename = 'demo_notes'") == 0
    finally:
        await conn.close()
    assert pg_dsn.startswith("postgresql://") and "@127.0.0.1:" in pg_dsn
