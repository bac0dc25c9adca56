"""Every plugin conversation test runs twice: in the `default` community (chats not listed in
plugins.toml) and in a named community, `cohort7`, that lists its group chats, the way deployments
are configured. A test that names its own communities runs as written (once per value, unchanged)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["default", "cohort7"])
def practica_community(request: pytest.FixtureRequest) -> str:
    return request.param
