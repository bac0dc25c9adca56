"""Job kinds of the leaderboards: the weekly reset announcement (handler in services/boards.py)."""

from __future__ import annotations

from datetime import timedelta

from core import JobKind
from plugins.leaderboards.services import boards

KINDS = {boards.JOB_KIND: JobKind(boards.weekly_job, grace=timedelta(days=1))}
