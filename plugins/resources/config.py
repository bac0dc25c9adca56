"""Configuration of the resources plugin (`[plugins.resources]`, per-community overrides)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from core import Settings, between, setting


@dataclass(frozen=True)
class ResourcesConfig(Settings):
    """Settings of the library, its search and the question insights.

    Attributes:
        auto_capture_chats: chats (`platform:id`) whose shared documents and links are saved automatically.
        synonyms: per-community synonyms and abbreviations, expanded at query time, e.g.
            `{ pph = ["postpartum haemorrhage", "hémorragie du post-partum"] }`; also what makes
            questions in two languages one topic for /faq and topic polls.
        page_size: how many results /search and /resources show.
        insights: log question-like messages and searches for /faq (off by default: privacy).
        retention_days: how long logged questions and searches are kept.
        faq_similarity: how similar (1-100) a question's key concepts must be to a topic's to join it
            (see plugins/resources/topics.py; lower groups more loosely).
        faq_days: the period /faq looks at when no number of days is given.
        flush_batch: logged rows buffered in memory before one batched write.
    """

    auto_capture_chats: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    page_size: int = setting(10, between(1, 30))
    insights: bool = False
    retention_days: int = setting(90, between(1, 3650))
    faq_similarity: int = setting(56, between(1, 100))
    faq_days: int = setting(30, between(1, 3650))
    flush_batch: int = setting(100, between(1, 10_000))

    def check(self) -> None:
        for chat in self.auto_capture_chats:
            if ":" not in chat:
                raise ValueError(f"auto_capture_chats: {chat!r} should be written platform:id, e.g. \"telegram:-100123\"")
