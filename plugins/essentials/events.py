"""Domain events the essentials plugin emits (listeners match on the class name)."""

from __future__ import annotations

from dataclasses import dataclass

from core import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountsLinked(DomainEvent):
    """`accounts` now record under `person` (ctx.person_of): move what they had to the person."""

    person: str
    accounts: tuple[str, ...]
