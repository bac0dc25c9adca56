"""Every practica_* hook, grouped by phase, with its colour (sync/async) and calling mode.

Modes (see core/hooks.py, the only code that calls hooks), read from the specs themselves (`HOOKS`):
- collect: a plain `def` spec: sync declarations; every plugin's result is gathered, tagged with its name.
- each: an `async def` spec: async fan-out; every plugin is awaited in turn, isolated, under a time budget.
- first: an `async def` spec marked `@hookspec(firstresult=True)` (as pytest marks them): the first
  non-None result wins and later plugins are not called.

Questions between plugins are first-answer hooks too (`QUESTIONS`): a plugin asks with
`await ctx.ask("practica_frequent_topics", limit=5)`, another answers by implementing the hook, and
neither imports the other.

Plugins implement hooks as methods decorated with `@hookimpl` on their plugin class; the plugin's
name is its folder / entry-point name. Every async hook receives `ctx`, a Context bound to the
plugin (its config, storage, logger, the community of the event).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from core.dialects import Migration

if TYPE_CHECKING:
    from core.commands import Command
    from core.dashboard.pages import Page
    from core.context import Context
    from core.deliveries import Delivery
    from core.events import Event, MessageEvent
    from core.scheduler import JobKind

hookspec = pluggy.HookspecMarker("practica")
hookimpl = pluggy.HookimplMarker("practica")

Colour = Literal["sync", "async"]
Mode = Literal["collect", "each", "first"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What `practica_filter_message` returns to stop a message before commands and listeners.

    The plugin performs its own actions (delete, warn...) before returning; the dispatcher only
    stops the message so that no other plugin sees it (a dropped message earns no points).
    """

    reason: str


class PracticaSpecs:
    """The hook specifications, registered on every plugin manager."""

    # --- load: declarations (sync, collect) -------------------------------------------------

    @hookspec
    def practica_config_schema(self) -> type | None:
        """Return the frozen dataclass that validates this plugin's `[plugins.<name>]` table.

        Fields need defaults except required settings; per-community overrides
        (`[communities.<c>.plugins.<name>]`) are validated against the same class. Mode: collect.
        """

    @hookspec
    def practica_register_commands(self) -> Iterable[Command]:
        """Return the plugin's commands (see core.commands.command). Mode: collect.

        A command name or alias owned by two plugins stops the start, naming both plugins.
        """

    @hookspec
    def practica_register_migrations(self) -> Sequence[Migration]:
        """Return the plugin's SQL migrations in order; migration N is the N-th item: SQL text, or a
        `{"sqlite": ..., "postgresql": ...}` mapping where the engines differ (see core.dialects).

        Append-only: never edit or remove an applied migration. Tables are prefixed `<plugin>_`.
        Mode: collect.
        """

    @hookspec
    def practica_register_jobs(self) -> Mapping[str, JobKind[Context]]:
        """Return the plugin's scheduled job kinds by name. Mode: collect."""

    @hookspec
    def practica_dashboard_pages(self) -> Iterable[Page]:
        """Return the plugin's pages of the coordinators' dashboard (core.dashboard.Page). Mode: collect.

        Each page names its URL part, its nav label (a key of the plugin's catalog), the least role that
        sees it, its async handler and the folder of its Jinja2 templates (next to the plugin's code).
        Community pages live at `/c/<community>/<slug>`; a `public` page at `/<slug>/<arg>` needs no login.
        """

    # --- life cycle (async, each) -----------------------------------------------------------

    @hookspec
    async def practica_startup(self, ctx: Context) -> None:
        """Called once after storage and adapters are ready. Mode: each."""

    @hookspec
    async def practica_shutdown(self, ctx: Context) -> None:
        """Called once at shutdown, after in-flight events finished. Mode: each."""

    # --- events ----------------------------------------------------------------------------

    @hookspec(firstresult=True)
    async def practica_filter_message(self, event: MessageEvent, ctx: Context) -> Verdict | None:
        """Inspect a message before commands and listeners; return a Verdict to stop it. Mode: first."""

    @hookspec(firstresult=True)
    async def practica_filter_event(self, event: Event, ctx: Context) -> Verdict | None:
        """Say whether the member behind `event` is stopped in `ctx.community`: a Verdict means not in
        good standing (banned, waiting for approval, muted). Core then ignores their button press in a
        group, native poll vote or reaction before `practica_on_event`, and `ctx.members.in_good_standing()`
        is false (a `/vote`: `event` is then the command's message). Mode: first."""

    @hookspec
    async def practica_on_message(self, event: MessageEvent, ctx: Context) -> None:
        """A message that passed the filters and is not a command. Mode: each."""

    @hookspec
    async def practica_on_event(self, event: Event, ctx: Context) -> None:
        """Any other event: platform events (joins, buttons, votes...) and domain events. Mode: each."""

    @hookspec
    async def practica_on_delivered(self, delivery: Delivery, ctx: Context) -> None:
        """An action this plugin sent with `notify=` was delivered (or failed for good).

        Called only on the plugin that sent it, in one transaction with the delivery record, so the
        platform's message id (`delivery.sent.message_id`, `.poll_ref`) is stored exactly once. This is
        how a plugin learns the id of what it posted: handlers never wait for the platform. A platform
        that reports later that an accepted message could not be delivered (WhatsApp's `failed`
        status) causes a second call, with `failed=True` and `late=True` (undo nothing the send started: replies and votes may already be in). Mode: each.
        """

    @hookspec
    async def practica_directory_changed(self, kind: str | None, keys: Sequence[str], ctx: Context) -> None:
        """Several workers on one database: another worker committed a change this plugin announced with
        `await ctx.announce(kind, keys)`; reload those entries of what the plugin keeps in memory.

        `kind` None: changes may have been missed (the connection to the database was lost), reload
        everything. Never called on SQLite, with a single worker, nor on the worker that made the
        change. `ctx.community` is `default`. Mode: each.
        """

    # --- members' data ----------------------------------------------------------------------

    @hookspec
    async def practica_user_data(self, member: str, ctx: Context, erase: bool) -> Mapping[str, Any] | None:
        """Return what this plugin stores about `member` (a `platform:id`); delete it when `erase`.

        Export (`erase=False`) returns plain JSON-able data; erase returns a summary of what was
        deleted. Mode: each.
        """

    # --- errors -----------------------------------------------------------------------------

    @hookspec(firstresult=True)
    async def practica_format_error(self, error: BaseException, ctx: Context) -> str | None:
        """Return the text shown in chat for an unexpected error (never the error's own text).

        Without an answer, core's `error.unexpected` is shown. Mode: first.
        """

    # --- questions between plugins (async, first; asked with ctx.ask) ------------------------

    @hookspec(firstresult=True)
    async def practica_frequent_topics(self, limit: int, ctx: Context) -> Sequence[str] | None:
        """The questions members of ctx's community ask most that nothing answers yet, most frequent first,
        at most `limit` (resources answers from its question insights, an empty list when they are off;
        polls asks for `/poll topics`). Mode: first.
        """


def _modes(specs: type) -> dict[str, tuple[Colour, Mode]]:
    """name -> (colour, mode) of every spec: sync ones collect, async ones run on each plugin, or stop at the
    first answer when marked `firstresult=True`."""
    out: dict[str, tuple[Colour, Mode]] = {}
    for name, function in vars(specs).items():
        options = getattr(function, "practica_spec", None)
        if not name.startswith("practica_") or options is None:
            continue
        if not inspect.iscoroutinefunction(function):
            out[name] = ("sync", "collect")
        else:
            out[name] = ("async", "first" if options.get("firstresult") else "each")
    return out


HOOKS: dict[str, tuple[Colour, Mode]] = _modes(PracticaSpecs)
"""name -> (colour, mode), derived from the specs above; the load-time checks and the HookRunner read it."""

QUESTIONS: frozenset[str] = frozenset({"practica_frequent_topics"})
"""The first-answer hooks plugins may ask each other with `ctx.ask` (the others are called by core)."""
