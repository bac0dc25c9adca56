"""Job kinds of the moderation plugin: lifting and ending sanctions, re-announcing and expiring join requests,
expiring held messages, announcing a new code of conduct (handlers in services/)."""

from __future__ import annotations

from core import JobKind
from plugins.moderation.services import actions, announce, held, membership

KINDS = {
    actions.LIFT_JOB: JobKind(actions.run_lift, grace=None),
    actions.REMOVE_JOB: JobKind(actions.run_remove, grace=None),
    membership.REANNOUNCE_JOB: JobKind(membership.run_reannounce, grace=None),
    membership.EXPIRE_JOB: JobKind(membership.run_expire, grace=None),
    held.EXPIRE_JOB: JobKind(held.run_expire, grace=None),
    announce.ANNOUNCE_JOB: JobKind(announce.run_announce, grace=None),
}
