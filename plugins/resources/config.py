"""Configuration of the resources plugin (`[plugins.resources]`, per-community overrides)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class ResourcesConfig:
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
    page_size: int = 10
    insights: bool = False
    retention_days: int = 90
    faq_similarity: int = 56
    faq_days: int = 30
    flush_batch: int = 100

    def __post_init__(self) -> None:
        for chat in self.auto_capture_chats:
            if ":" not in chat:
                raise ValueError(f"auto_capture_chats: {chat!r} should be written platform:id, e.g. \"telegram:-100123\"")
        if not 1 <= self.page_size <= 30:
            raise ValueError("page_size must be between 1 and 30")
        if not 1 <= self.retention_days <= 3650:
            raise ValueError("retention_days must be between 1 and 3650")
        if not 1 <= self.faq_similarity <= 100:
            raise ValueError("faq_similarity must be between 1 and 100")
        if not 1 <= self.faq_days <= 3650:
            raise ValueError("faq_days must be between 1 and 3650")
        if not 1 <= self.flush_batch <= 10_000:
            raise ValueError("flush_batch must be between 1 and 10000")
