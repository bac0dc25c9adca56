"""Run a test module on both storage engines: `from tests.engines import practica_engine  # noqa: F401`
overrides the kit's fixture (core.testing pairs engines with communities instead), so every `make_bot`
and `practica_database` of the module runs once on SQLite and once on a real PostgreSQL server."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def practica_engine(request: pytest.FixtureRequest) -> str:
    return request.param


SQLITE_ONLY = pytest.mark.parametrize("practica_engine", ["sqlite"])
"""For a test about SQLite itself (its file, its page limit, its VM steps): it runs on SQLite only."""
