"""Kept for adapters written against it: the adapter contract lives in `core.adapter`."""

from __future__ import annotations

from core.adapter import Adapter, AdapterHost, Budget, Capabilities, CommandInfo

__all__ = ["Adapter", "AdapterHost", "Budget", "Capabilities", "CommandInfo"]
