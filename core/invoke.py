"""Running one command: where and by whom it may be used, its arguments, its cooldown, its handler under
the hook budget, and what the member reads when it fails.

- An unknown word gets "unknown command", with the closest command the member may use as a hint.
- `CommandError`s (UsageError, PermissionDenied, NotFound, CooldownActive) are shown as they are: one
  plain sentence written for the member.
- Anything else is logged with plugin, command and event id, and the member reads one neutral sentence
  (the `practica_format_error` hook, else core's `error.unexpected`); a timeout and a full disk have
  their own sentences. A failed command's writes and replies are undone (its part of the unit of work).
"""

from __future__ import annotations

import difflib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.context import CommandContext, Context
from core.errors import CommandError, CooldownActive, PermissionDenied, UsageError
from core.events import MessageEvent, Role, User
from core.storage import is_storage_full
from core.unit import Part, UnitOfWork, active_unit

if TYPE_CHECKING:
    from core.commands import Command
    from core.config import Community
    from core.hooks import HookRunner
    from core.host import Host

log = logging.getLogger("practica.commands")


class Invoker:
    """Runs commands for the dispatcher. Keeps the members' cooldowns (in memory)."""

    def __init__(self, host: Host, runner: HookRunner) -> None:
        self.host = host
        self.runner = runner
        self._cooldowns: dict[tuple[str, str], float] = {}

    def _t(self, locale: str, key: str, /, **params: Any) -> str:
        return self.host.translator.text("core", locale, key, **params)

    async def invoke(self, event: MessageEvent, community: Community, word: str, rest: str) -> None:
        """Run the command `word` (with the text after it, `rest`) typed in `event`, answering its errors."""
        host = self.host
        cmd = host.commands.find(word)
        if cmd is None or cmd.plugin in community.disabled_plugins:
            await self._unknown(event, community, word)
            return
        ctx = CommandContext(host, cmd.plugin, community, event)
        unit = active_unit()
        part = unit.begin_part() if unit is not None else None
        try:
            await self._check_allowed(ctx, cmd)
            prefix = host.config.practica.prefix
            args = cmd.parse(rest, prefix, lambda key, **params: self._t(ctx.locale, key, **params), lang=ctx.locale)
            self._check_cooldown(ctx, cmd, event.author)
            await self.runner.guard.run(cmd.handler(ctx, *args))
        except CommandError as error:
            await _undo(unit, part)
            await ctx.reply(ctx.t(error.key, **error.params) if error.key else str(error))
        except TimeoutError:
            await _undo(unit, part)
            log.error("plugin %s: command /%s took longer than %.1f s and was cancelled (event %s)",
                      cmd.plugin, cmd.name, self.runner.budget, event.id)
            await ctx.reply(self._t(ctx.locale, "error.timeout"))
        except Exception as error:
            await _undo(unit, part)
            if is_storage_full(error):
                host.note_storage_full()
                await ctx.reply(self._t(ctx.locale, "error.storage_full"))
                return
            log.exception("plugin %s: command /%s raised (event %s)", cmd.plugin, cmd.name, event.id)
            await ctx.reply(await self.error_text(error, ctx))
        else:
            if unit is not None and part is not None:
                unit.end_part(part)

    async def error_text(self, error: BaseException, ctx: Context) -> str:
        """The neutral sentence shown for an unexpected error: a plugin's `practica_format_error`, else
        core's `error.unexpected` (never the error's own text)."""
        found = await self.runner.first("practica_format_error",
                                        lambda plugin: Context(self.host, plugin, ctx.community, ctx.event), error=error)
        if found is not None and isinstance(found[1], str):
            return found[1]
        return self._t(ctx.locale, "error.unexpected")

    async def _check_allowed(self, ctx: CommandContext, cmd: Command) -> None:
        chat, locale = ctx.chat, ctx.locale
        if cmd.where == "group" and chat.is_direct:
            raise UsageError(self._t(locale, "error.group_only", command=cmd.name))
        if cmd.where == "direct" and not chat.is_direct:
            raise UsageError(self._t(locale, "error.direct_only", command=cmd.name))
        if cmd.role > Role.MEMBER:
            role = await ctx.role_of(ctx.user, chat)
            if role < cmd.role:
                raise PermissionDenied(self._t(locale, "error.permission", command=cmd.name,
                                               role=self._t(locale, f"role.{cmd.role.name.lower()}")))

    def _check_cooldown(self, ctx: Context, cmd: Command, user: User) -> None:
        if cmd.cooldown <= 0:
            return
        now = self.host.clock.monotonic()
        key = (user.uid, cmd.name)
        last = self._cooldowns.get(key)
        if last is not None and now - last < cmd.cooldown:
            remaining = cmd.cooldown - (now - last)
            raise CooldownActive(self._t(ctx.locale, "error.cooldown", command=cmd.name,
                                         wait=ctx.format_duration(max(1.0, remaining))),
                                 remaining=timedelta(seconds=remaining))
        self._cooldowns[key] = now

    async def _unknown(self, event: MessageEvent, community: Community, word: str) -> None:
        """"Unknown command", with the closest word the member may use (their role, this community's plugins)."""
        host = self.host
        ctx = Context(host, "core", community, event)
        role = await ctx.role_of(event.author, event.chat)
        visible = [w for w, c in host.commands.words() if c.role <= role and c.plugin not in community.disabled_plugins]
        match = difflib.get_close_matches(word, visible, n=1, cutoff=0.6)
        prefix = host.config.practica.prefix
        params = {"command": f"{prefix}{word[:40]}", "help": f"{prefix}help"}
        if match:
            text = self._t(ctx.locale, "error.unknown_command_hint", suggestion=f"{prefix}{match[0]}", **params)
        else:
            text = self._t(ctx.locale, "error.unknown_command", **params)
        await ctx.reply(text)


async def _undo(unit: UnitOfWork | None, part: Part | None) -> None:
    """Undo a failed command's writes and replies (its part of the event's unit of work)."""
    if unit is not None and part is not None:
        await unit.fail_part(part)
