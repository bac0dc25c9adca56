"""After startup, the bot's long-lived objects are out of the collector's full passes (core.heap), while
garbage, made before or after, is still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from core.heap import settle_after_start
from tests.core.test_config_and_cli import run_cli, write


class Node:
    """A reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite runs with a normal heap


def test_startup_objects_leave_the_collector_and_garbage_is_still_freed(unfrozen: None) -> None:
    kept = Node()  # built at startup and alive for the whole run (a plugin, a directory)
    dropped = Node()
    dropped_ref = weakref.ref(dropped)
    del dropped  # garbage startup left behind: freed, not frozen for good

    settle_after_start()

    assert dropped_ref() is None
    assert not any(o is kept for o in gc.get_objects())  # full passes no longer walk it
    later = Node()
    later_ref = weakref.ref(later)
    del later  # a cycle made while the bot runs
    gc.collect()
    assert later_ref() is None
    assert kept.me is kept


def test_practica_run_settles_its_heap_once_started_and_still_answers(tmp_path) -> None:
    path = write(tmp_path, """
        [practica]
        log_level = "DEBUG"
        database = "bot.db"
        [adapters.console]
    """)
    result = run_cli("run", "--config", str(path), stdin="zeinab> /whoami\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bot> You are zeinab" in result.stdout
    settled = [line for line in result.stderr.splitlines() if "startup objects left the collector's full passes" in line]
    assert len(settled) == 1 and int(settled[0].split(" startup objects")[0].split()[-1]) > 1_000
