"""practica core: everything a plugin author imports comes from here (`from core import ...`)."""

from __future__ import annotations

from core.capabilities import Capabilities
from core.clock import Clock, FakeClock
from core.commands import INT_RANGE, Command, Text, command
from core.config import Community, Config, load_config
from core.context import CommandContext, Context
from core.deliveries import Delivery
from core.domain_events import (AccountsLinked, CaseOpened, HomeworkSubmitted, MemberVerified, QuizAnswered,
                                 ResourceVerified)
from core.errors import (AdapterError, CommandError, ConfigError, CooldownActive, DeliveryError, MigrationError,
                         NotFound, PermissionDenied, PluginLoadError, PracticaError, UsageError)
from core.events import (Attachment, ButtonPressed, ChatRef, DomainEvent, Event, JoinRequest, MemberJoined, MemberLeft,
                         MessageEdited, MessageEvent, PollUpdated, PollVote, ReactionAdded, ReplyTo, Role, User)
from core.hookspecs import Verdict, hookimpl
from core.plugin import Plugin
from core.replies import (Action, AddRole, ApproveJoin, Ban, Button, DeclineJoin, DeleteMessage, DirectMessage,
                          EditMessage, Kick, PinMessage, PollSpec, Priority, RemoveRole, Reply, Restrict, SendFile,
                          SendPoll, Sent, StopPoll, Unban, Unrestrict, UploadFile)
from core.scheduler import Job, JobKind
from core.settings import (Settings, above, at_least, between, clock_range_text, duration_text, non_empty,
                           setting)
from core.text import clean_text, excerpt, fold
from core.dialects import Migration
from core.slices import sliced
from core.sqlmerge import move_rows
from core.storage import Storage, from_utc_text, to_utc_text

__all__ = [
    "AccountsLinked", "Action", "AdapterError", "AddRole", "ApproveJoin", "Attachment", "Ban", "Button",
    "ButtonPressed", "Capabilities", "CaseOpened", "ChatRef", "Clock", "Command", "CommandContext", "CommandError",
    "Community", "Config", "ConfigError", "Context", "CooldownActive", "DeclineJoin", "DeleteMessage", "Delivery",
    "DeliveryError", "DirectMessage", "DomainEvent", "EditMessage", "Event", "FakeClock", "HomeworkSubmitted",
    "INT_RANGE", "Job", "JobKind", "JoinRequest", "Kick", "MemberJoined", "MemberLeft", "MemberVerified",
    "MessageEdited", "MessageEvent", "Migration", "MigrationError", "move_rows", "NotFound", "PermissionDenied", "PinMessage", "Plugin", "PluginLoadError",
    "PollSpec", "PollUpdated", "PollVote", "PracticaError", "Priority", "QuizAnswered", "ReactionAdded", "RemoveRole",
    "Reply", "ReplyTo", "ResourceVerified", "Restrict", "Role", "SendFile", "SendPoll", "Sent", "Settings", "StopPoll",
    "Storage", "Text", "Unban", "Unrestrict", "UploadFile", "UsageError", "User", "Verdict", "above", "at_least",
    "between", "clean_text", "clock_range_text", "command", "duration_text", "excerpt", "fold", "from_utc_text",
    "hookimpl", "load_config", "non_empty", "setting", "sliced", "to_utc_text",
]
