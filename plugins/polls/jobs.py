"""Job kinds of the polls plugin: closing a poll at its time and reminding before it closes (handlers in services/lifecycle.py)."""

from __future__ import annotations

from core import JobKind
from plugins.polls.services import lifecycle

KINDS = {lifecycle.CLOSE_JOB: JobKind(lifecycle.close_job, grace=None),
         lifecycle.REMIND_JOB: JobKind(lifecycle.remind_job)}
