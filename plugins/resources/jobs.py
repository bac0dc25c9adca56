"""Job kinds of the resources plugin: flushing the question log and purging it after retention_days (handlers in services/insights.py)."""

from __future__ import annotations

from core import JobKind
from plugins.resources.services import insights

KINDS = {insights.FLUSH_JOB: JobKind(insights.flush_job, grace=None),
         insights.PURGE_JOB: JobKind(insights.purge_job, grace=None)}
