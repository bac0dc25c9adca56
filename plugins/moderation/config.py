"""The `[plugins.moderation]` schema (per-community overrides use the same class)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from plugins.moderation import logic

AutoAction = Literal["delete", "warn", "mute"]

DEFAULT_PRIVACY_PATTERNS = logic.DEFAULT_PRIVACY_PATTERNS


@dataclass(frozen=True)
class BlockRule:
    """One `[[plugins.moderation.blocklist]]` entry: a word (or regex) and what happens on a match."""

    pattern: str = ""
    action: AutoAction = "delete"
    regex: bool = False

    def __post_init__(self) -> None:
        if not self.pattern.strip():
            raise ValueError("blocklist entries need a non-empty 'pattern'")
        if self.regex:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"blocklist pattern {self.pattern!r} is not a valid regular expression: {exc}") from None


@dataclass(frozen=True)
class ModerationConfig:
    """Every key has a default; see docs/plugins/moderation.md."""

    # verified joining
    verify_joins: bool = True
    questions: tuple[str, ...] = ()
    approvals_required: int = 1
    cohort_codes: tuple[str, ...] = ()
    reannounce_after_hours: float = 24.0
    expire_after_hours: float = 72.0
    verified_role: str = ""
    # code of conduct and welcome
    rules_version: str = "1"
    rules: str = ""
    require_accept: bool = True
    welcome: str = ""
    scope: str = ""
    # warnings
    warn_expiry_days: int = 30
    ladder: dict[str, str] = field(default_factory=lambda: {"3": "mute 1d", "5": "ban"})
    # automatic rules
    blocklist: tuple[BlockRule, ...] = ()
    link_policy: Literal["allow", "review", "remove"] = "allow"
    trusted_domains: tuple[str, ...] = ()
    held_keep_days: int = 7
    flood_messages: int = 8
    flood_seconds: float = 10.0
    flood_mute: str = "10m"
    max_mentions: int = 5
    mentions_action: AutoAction = "delete"
    privacy_guard: bool = True
    privacy_patterns: tuple[str, ...] = DEFAULT_PRIVACY_PATTERNS

    def __post_init__(self) -> None:
        if self.approvals_required not in (1, 2):
            raise ValueError("key 'approvals_required' must be 1 or 2")
        if self.reannounce_after_hours <= 0 or self.expire_after_hours <= 0:
            raise ValueError("keys 'reannounce_after_hours' and 'expire_after_hours' must be positive")
        if self.expire_after_hours <= self.reannounce_after_hours:
            raise ValueError("key 'expire_after_hours' must be larger than 'reannounce_after_hours'")
        if self.warn_expiry_days < 1:
            raise ValueError("key 'warn_expiry_days' must be at least 1")
        if self.flood_messages < 0 or self.flood_seconds <= 0:
            raise ValueError("keys 'flood_messages' (0 = off) and 'flood_seconds' must be positive")
        if not 1 <= self.held_keep_days <= 90:
            raise ValueError("key 'held_keep_days' must be between 1 and 90 (days a held message waits for a moderator)")
        if self.max_mentions < 0:
            raise ValueError("key 'max_mentions' must be 0 (off) or more")
        if not self.rules_version.strip():
            raise ValueError("key 'rules_version' must not be empty")
        logic.parse_ladder(self.ladder)  # raises ValueError naming the bad step
        logic.parse_duration_text(self.flood_mute)
        for pattern in self.privacy_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"privacy pattern {pattern!r} is not a valid regular expression: {exc}") from None
