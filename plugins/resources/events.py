"""Kept so that events stored before they moved to core.domain_events still decode (core.codec)."""

from __future__ import annotations

from core.domain_events import ResourceVerified

__all__ = ["ResourceVerified"]
