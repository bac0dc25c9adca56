"""The `[plugins.moderation]` schema (per-community overrides use the same class)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from core import Settings, above, at_least, between, non_empty, setting
from plugins.moderation import logic

AutoAction = Literal["delete", "warn", "mute"]

DEFAULT_PRIVACY_PATTERNS = logic.DEFAULT_PRIVACY_PATTERNS


@dataclass(frozen=True)
class BlockRule(Settings):
    """One `[[plugins.moderation.blocklist]]` entry: a word (or regex) and what happens on a match."""

    pattern: str = setting("", non_empty())
    action: AutoAction = "delete"
    regex: bool = False

    def check(self) -> None:
        if self.regex:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"blocklist pattern {self.pattern!r} is not a valid regular expression: {exc}") from None


@dataclass(frozen=True)
class ModerationConfig(Settings):
    """Every key has a default; see docs/plugins/moderation.md."""

    # verified joining
    verify_joins: bool = True
    questions: tuple[str, ...] = ()
    approvals_required: int = setting(1, between(1, 2))
    cohort_codes: tuple[str, ...] = ()
    reannounce_after_hours: float = setting(24.0, above(0))
    expire_after_hours: float = setting(72.0, above(0))
    verified_role: str = ""
    # code of conduct and welcome
    rules_version: str = setting("1", non_empty())
    rules: str = ""
    require_accept: bool = True
    welcome: str = ""
    scope: str = ""
    # warnings
    warn_expiry_days: int = setting(30, at_least(1))
    ladder: dict[str, str] = field(default_factory=lambda: {"3": "mute 1d", "5": "ban"})
    # automatic rules
    blocklist: tuple[BlockRule, ...] = ()
    link_policy: Literal["allow", "review", "remove"] = "allow"
    trusted_domains: tuple[str, ...] = ()
    held_keep_days: int = setting(7, between(1, 90, why="days a held message waits for a moderator"))
    flood_messages: int = setting(8, at_least(0, zero="off"))
    flood_seconds: float = setting(10.0, above(0))
    flood_mute: str = "10m"
    max_mentions: int = setting(5, at_least(0, zero="off"))
    mentions_action: AutoAction = "delete"
    privacy_guard: bool = True
    privacy_patterns: tuple[str, ...] = DEFAULT_PRIVACY_PATTERNS

    def check(self) -> None:
        if self.expire_after_hours <= self.reannounce_after_hours:
            raise ValueError("key 'expire_after_hours' must be larger than 'reannounce_after_hours'")
        logic.parse_ladder(self.ladder)  # raises ValueError naming the bad step
        logic.parse_duration_text(self.flood_mute)
        for pattern in self.privacy_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"privacy pattern {pattern!r} is not a valid regular expression: {exc}") from None
