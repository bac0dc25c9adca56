"""HookRunner: the only code that calls hooks.

pluggy cannot await (firstresult stops at the first coroutine, one exception skips later plugins), so
we walk pluggy's ordered implementations ourselves (tryfirst/trylast still apply) and await each one
in sequence, isolated and under a time budget. Sequential awaiting is deliberate: it is several times
cheaper than `asyncio.gather` for the usual handful of plugins (see DESIGN.md §6).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import pluggy

from core.budget import TimeBudget
from core.hookspecs import HOOKS
from core.unit import Part, UnitOfWork, current_unit

log = logging.getLogger("practica.hooks")

ContextFactory = Callable[[str], Any]
_EVENT_CTX = ("event", "ctx")


@dataclass(frozen=True, slots=True)
class Impl:
    """One plugin's implementation of a hook, ready to call."""

    plugin: str
    function: Callable[..., Any]
    argnames: tuple[str, ...]


class HookRunner:
    """Calls hooks in the three modes: collect, each and first.

    Args:
        pm: the loaded plugin manager.
        budget: seconds one async implementation may take before it is cancelled.
        trace: log every call with plugin, duration and outcome (PRACTICA_TRACE_HOOKS=1).
    """

    def __init__(self, pm: pluggy.PluginManager, *, budget: float = 5.0, trace: bool | None = None) -> None:
        self.pm = pm
        self.budget = budget
        self.guard = TimeBudget(budget)
        self.trace = os.environ.get("PRACTICA_TRACE_HOOKS") == "1" if trace is None else trace
        self._cache: dict[str, tuple[Impl, ...]] = {}

    def impls(self, name: str) -> tuple[Impl, ...]:
        """Implementations of hook `name` in call order (tryfirst first, trylast last)."""
        cached = self._cache.get(name)
        if cached is None:
            caller = getattr(self.pm.hook, name)
            cached = tuple(Impl(i.plugin_name, i.function, tuple(i.argnames)) for i in reversed(caller.get_hookimpls()))
            self._cache[name] = cached
        return cached

    # --- collect ---------------------------------------------------------------------------

    def collect(self, name: str, *, skip: Container[str] = (), **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a sync declaration hook on every plugin; results tagged with the plugin's name.

        Errors propagate: declarations run at load, where a broken plugin must stop the start.
        """
        assert HOOKS[name][1] == "collect", name
        out = []
        for impl in self.impls(name):
            if impl.plugin in skip:
                continue
            result = impl.function(*[kwargs[a] for a in impl.argnames])
            if result is not None:
                out.append((impl.plugin, result))
        return out

    # --- each ------------------------------------------------------------------------------

    async def each(self, name: str, ctx_for: ContextFactory, *, skip: Container[str] = (), only: str | None = None,
                   **kwargs: Any) -> list[tuple[str, Any]]:
        """Await every plugin's implementation in order (or only plugin `only`'s); one failing or
        hanging plugin affects no other: inside a unit of work its writes and replies are undone.

        Returns (plugin, result) for implementations that returned a value.
        """
        if only is not None:
            skip = _AllBut(only)
        return await self._fan_out(name, ctx_for, skip, kwargs, stop_at_first=False)

    # --- first -----------------------------------------------------------------------------

    async def first(self, name: str, ctx_for: ContextFactory, *, skip: Container[str] = (), **kwargs: Any) -> tuple[str, Any] | None:
        """Await implementations in order until one returns a non-None result."""
        found = await self._fan_out(name, ctx_for, skip, kwargs, stop_at_first=True)
        return found[0] if found else None

    async def _fan_out(self, name: str, ctx_for: ContextFactory, skip: Container[str], kwargs: dict[str, Any], *,
                       stop_at_first: bool) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        impls = self.impls(name)
        if not impls:
            return out
        task = asyncio.current_task()
        unit = current_unit.get()  # the unit of this task, looked up once for the whole fan-out
        if unit is not None and unit.task is not task:
            unit = None
        slot = self.guard.enter()  # one budget slot for the whole fan-out; restarted before each plugin
        try:
            for impl in impls:
                if impl.plugin in skip:
                    continue
                ok, result = await self._call(name, impl, ctx_for, kwargs, slot, unit)
                if ok and result is not None:
                    out.append((impl.plugin, result))
                    if stop_at_first:
                        break
        finally:
            self.guard.leave(slot)
        return out

    async def _call(self, name: str, impl: Impl, ctx_for: ContextFactory, kwargs: dict[str, Any],
                    slot: tuple[int, asyncio.Task[Any]], unit: UnitOfWork | None) -> tuple[bool, Any]:
        """Run one implementation under the budget; (True, result), or (False, None) after logging.

        Hot path (six calls per ordinary message): no try/finally, no timer, tracing only when asked;
        the unit's part is made inline (a savepoint only at the part's first statement).
        """
        if impl.argnames == _EVENT_CTX:  # the common shape, without the general comprehension
            args = [kwargs["event"], ctx_for(impl.plugin)]
        else:
            args = [ctx_for(impl.plugin) if a == "ctx" else kwargs[a] for a in impl.argnames]
        trace = self.trace
        started = time.perf_counter() if trace else 0.0
        guard = self.guard
        if unit is not None:
            part: Part | None = Part(len(unit.outgoing), len(unit.events), len(unit.undo))
            unit._pending_part = part  # a savepoint (or the BEGIN) is made at its first statement
        else:
            part = None
        guard._active[slot[0]] = (slot[1], guard._tick)  # restart the budget (guard.restart, inlined)
        try:
            result = await impl.function(*args)
        except asyncio.CancelledError:
            if not guard.timed_out(slot):
                if trace:
                    _trace(name, impl.plugin, started, "cancelled")
                raise
            log.error("plugin %s: hook %s took longer than %.1f s and was cancelled%s",
                      impl.plugin, name, self.budget, _event_note(kwargs))
            outcome = "timeout"
        except Exception:
            log.exception("plugin %s: hook %s raised%s", impl.plugin, name, _event_note(kwargs))
            outcome = "error"
        else:
            if guard._expired:
                guard.settle(slot)
            if part is not None and unit._pending_part is part:  # type: ignore[union-attr]
                unit._pending_part = None  # type: ignore[union-attr]
            if trace:
                _trace(name, impl.plugin, started, "ok")
            return True, result
        if part is not None:
            await unit.fail_part(part)  # type: ignore[union-attr]
        if trace:
            _trace(name, impl.plugin, started, outcome)
        return False, None


class _AllBut:
    """A `skip` container holding every plugin but one."""

    __slots__ = ("keep",)

    def __init__(self, keep: str) -> None:
        self.keep = keep

    def __contains__(self, plugin: object) -> bool:
        return plugin != self.keep


def _trace(hook: str, plugin: str, started: float, outcome: str) -> None:
    log.warning("trace hook=%s plugin=%s duration_ms=%.2f outcome=%s", hook, plugin,
                (time.perf_counter() - started) * 1000, outcome)


def _event_note(kwargs: dict[str, Any]) -> str:
    event = kwargs.get("event")
    event_id = getattr(event, "id", None) or getattr(event, "event_id", None)
    return f" (event {type(event).__name__} {event_id})" if event is not None else ""


def check_colours(pm: pluggy.PluginManager) -> list[str]:
    """Problems with hook implementations: unknown names and wrong colour, one sentence each."""
    problems = []
    for plugin_name, plugin in pm.list_name_plugin():
        for attr in dir(plugin):
            if not attr.startswith("practica_"):
                continue
            function = getattr(plugin, attr)
            if not callable(function):
                continue
            if attr not in HOOKS:
                from core.schema import did_you_mean

                problems.append(f"plugin {plugin_name!r}: {attr} is not a practica hook{did_you_mean(attr, HOOKS)}.")
                continue
            if getattr(function, "practica_impl", None) is None:
                problems.append(f"plugin {plugin_name!r}: {attr} is not marked @hookimpl, so it would never be called.")
                continue
            colour = HOOKS[attr][0]
            is_async = inspect.iscoroutinefunction(function)
            if colour == "async" and not is_async:
                problems.append(f"plugin {plugin_name!r}: {attr} must be 'async def' (it is awaited).")
            elif colour == "sync" and is_async:
                problems.append(f"plugin {plugin_name!r}: {attr} must be a plain 'def' (it is a declaration read at load).")
    return problems
