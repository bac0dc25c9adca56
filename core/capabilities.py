"""Capabilities: what a platform supports, so plugins degrade gracefully instead of naming platforms."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform supports. Plugins read these instead of checking the platform's name."""

    platform: str
    max_text: int = 4096
    markup: str = "plain"  # "plain", "html" (Telegram) or "markdown" (Discord)
    buttons: bool = False
    edit: bool = False
    delete: bool = False
    pin: bool = False
    native_polls: bool = False
    quiz_polls: bool = False
    anonymous_polls: bool = False  # native polls can hide who voted (Discord always shows voters)
    poll_max_open_seconds: int = 0  # how far ahead a native poll may be told to close (0 = no limit)
    max_mute_seconds: int = 0  # the longest mute the platform allows (0 = no limit)
    poll_max_options: int = 0
    poll_option_max_len: int = 0
    poll_question_max_len: int = 0
    restrict: bool = False
    kick: bool = False
    ban: bool = False
    join_requests: bool = False
    direct_messages: bool = False
    roles: bool = False
    ephemeral: bool = False
    files: bool = False
    threads: bool = False
    slash_commands: bool = False

    def summary(self) -> str:
        """One line listing what is supported, for `practica check`."""
        flags = [name for name in (
            "buttons", "edit", "delete", "pin", "native_polls", "quiz_polls", "restrict", "kick", "ban",
            "join_requests", "direct_messages", "roles", "ephemeral", "files", "threads", "slash_commands",
        ) if getattr(self, name)]
        extra = f"text<={self.max_text}, markup={self.markup}"
        if self.native_polls:
            extra += f", polls<={self.poll_max_options} options"
        return f"{extra}; " + (", ".join(flags) if flags else "text only")
