"""A local fake of Discord for the adapter tests: REST API + gateway websocket on 127.0.0.1.

The real discord.py client logs in against it (`/users/@me`, `/oauth2/applications/@me`), connects
to its gateway (HELLO, IDENTIFY, READY, GUILD_CREATE), receives the dispatches tests send, and every
REST call it makes is recorded in `calls` and answered with real-shaped JSON.

Sharding is Discord's: each IDENTIFY names its shard `[s, n]`; that connection gets READY and
GUILD_CREATE for the guilds with `(guild_id >> 22) % n == s` only, and `dispatch()` sends a guild's
events to the connection of its shard, direct messages to shard 0's. `most_open` records, per shard, the
most connections that were ever open at once (Discord lets a second one steal the session).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from aiohttp import web

from adapters.discord.transport import DiscordTransport

APP_ID = 1100000000000000001
BOT_ID = 1100000000000000002
GUILD_ID = 1100000000000000010
OWNER_ID = 1100000000000000020
ALICE_ID = 1100000000000000021  # a plain member
MOD_ID = 1100000000000000022  # holds the "Moderators" role (Manage Messages)
ADMIN_ID = 1100000000000000023  # holds the "Admins" role (Administrator)
HELPER_ID = 1100000000000000024  # holds the "Helpers" role (no permission; configured moderator role)
SECOND_GUILD_ID = GUILD_ID + (1 << 22)  # another server, on the other shard of two (GUILD_ID is on shard 1)
GENERAL_ID = 1100000000000000100  # text channel (also the system channel)
SECOND_GENERAL_ID = 1100000000000000110  # SECOND_GUILD_ID's text channel
FORUM_ID = 1100000000000000101  # forum channel
THREAD_ID = 1100000000000000102  # a forum post (thread) in FORUM_ID
DM_ID = 1100000000000000200
MOD_ROLE_ID = 1100000000000000300
ADMIN_ROLE_ID = 1100000000000000301
HELPER_ROLE_ID = 1100000000000000302
VERIFIED_ROLE_ID = 1100000000000000303

_ids = itertools.count(1200000000000000000)


def new_id() -> int:
    return next(_ids)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def user(uid: int, name: str, *, bot: bool = False, global_name: str | None = None) -> dict[str, Any]:
    return {"id": str(uid), "username": name, "global_name": global_name, "discriminator": "0", "avatar": None,
            "bot": bot, "public_flags": 0}


BOT = user(BOT_ID, "practica", bot=True)
ALICE = user(ALICE_ID, "alice", global_name="Alice A.")
OWNER = user(OWNER_ID, "olga", global_name="Olga")
MOD = user(MOD_ID, "moses")
ADMIN = user(ADMIN_ID, "ada")
HELPER = user(HELPER_ID, "hana")


def member(u: dict[str, Any], roles: tuple[int, ...] = ()) -> dict[str, Any]:
    return {"user": u, "roles": [str(r) for r in roles], "joined_at": now_iso(), "deaf": False, "mute": False,
            "flags": 0, "nick": None, "avatar": None, "premium_since": None, "pending": False}


def role(rid: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {"id": str(rid), "name": name, "permissions": str(permissions), "position": position, "color": 0,
            "hoist": False, "managed": False, "mentionable": False, "flags": 0}


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard Discord sends a guild's events to (direct messages: shard 0)."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


def channel(cid: int, name: str, ctype: int = 0, *, guild_id: int = GUILD_ID, **extra: Any) -> dict[str, Any]:
    return {"id": str(cid), "type": ctype, "guild_id": str(guild_id), "name": name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "rate_limit_per_user": 0,
            "last_message_id": None, **extra}


READ_SEND = (1 << 10) | (1 << 11) | (1 << 16)  # view channel, send messages, read history
MANAGE_MESSAGES = 1 << 13
ADMINISTRATOR = 1 << 3


def guild() -> dict[str, Any]:
    thread = channel(THREAD_ID, "week 1 homework", 11, parent_id=str(FORUM_ID), owner_id=str(ALICE_ID),
                     thread_metadata={"archived": False, "auto_archive_duration": 1440, "archive_timestamp": now_iso(),
                                      "locked": False}, message_count=1, member_count=1)
    return {
        "id": str(GUILD_ID), "name": "Midwives cohort 3", "icon": None, "owner_id": str(OWNER_ID),
        "unavailable": False, "member_count": 6, "large": False, "features": [], "emojis": [], "stickers": [],
        "afk_timeout": 300, "verification_level": 1, "default_message_notifications": 1, "explicit_content_filter": 0,
        "mfa_level": 0, "premium_tier": 0, "system_channel_id": str(GENERAL_ID), "system_channel_flags": 0,
        "preferred_locale": "en-US", "nsfw_level": 0, "premium_progress_bar_enabled": False, "joined_at": now_iso(),
        "roles": [role(GUILD_ID, "@everyone", READ_SEND, 0), role(MOD_ROLE_ID, "Moderators", READ_SEND | MANAGE_MESSAGES, 3),
                  role(ADMIN_ROLE_ID, "Admins", ADMINISTRATOR, 4), role(HELPER_ROLE_ID, "Helpers", 0, 2),
                  role(VERIFIED_ROLE_ID, "Verified", 0, 1)],
        "channels": [channel(GENERAL_ID, "general"), channel(FORUM_ID, "homework", 15, available_tags=[])],
        "threads": [thread],
        "members": [member(BOT)],
        "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def second_guild() -> dict[str, Any]:
    """SECOND_GUILD_ID: one text channel, the same roles and owner (on the other shard of two)."""
    data = guild()
    data.update({"id": str(SECOND_GUILD_ID), "name": "Nurses cohort 4", "system_channel_id": str(SECOND_GENERAL_ID),
                 "channels": [channel(SECOND_GENERAL_ID, "general", guild_id=SECOND_GUILD_ID)], "threads": []})
    data["roles"] = [{**r, "id": str(SECOND_GUILD_ID)} if r["id"] == str(GUILD_ID) else r for r in data["roles"]]
    return data


def message(content: str, *, author: dict[str, Any] = ALICE, channel_id: int = GENERAL_ID, guild_id: int | None = GUILD_ID,
            roles: tuple[int, ...] = (), **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(new_id()), "channel_id": str(channel_id), "author": author, "content": content,
        "timestamp": now_iso(), "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
        "components": [],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
        data["member"] = {k: v for k, v in member(author, roles).items() if k != "user"}
    data.update(extra)
    return data


def interaction(kind: int, data: dict[str, Any], *, who: dict[str, Any] = ALICE, roles: tuple[int, ...] = (),
                channel_id: int = GENERAL_ID, message_data: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(new_id()), "application_id": str(APP_ID), "type": kind, "data": data, "guild_id": str(GUILD_ID),
        "channel_id": str(channel_id), "channel": {"id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID)},
        "member": {**member(who, roles), "permissions": str(READ_SEND)}, "token": f"tok-{new_id()}", "version": 1,
        "locale": "en-US", "guild_locale": "en-US", "app_permissions": str(READ_SEND), "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0, "attachment_size_limit": 10485760,
    }
    if message_data is not None:
        payload["message"] = message_data
    return payload


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    """JSON the way Discord sends it (discord.py checks the content type exactly)."""
    return web.Response(body=json.dumps(body).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})


Handler = Callable[["Call"], tuple[int, Any, dict[str, str]]]


class FakeDiscord:
    """REST + gateway. `calls` records REST requests; `fail(...)` scripts error answers."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.identify: dict[str, Any] | None = None  # the last IDENTIFY
        self.identifies: list[dict[str, Any]] = []
        self.close_on_identify: int | None = None
        self.token = "fake-token"
        self.guilds = [guild()]
        self.recommended_shards = 1  # what GET /gateway/bot answers
        self.member_roles = {MOD_ID: (MOD_ROLE_ID,), ADMIN_ID: (ADMIN_ROLE_ID,), HELPER_ID: (HELPER_ROLE_ID,)}
        self.most_open: Counter[int] = Counter()  # shard -> the most connections open at once
        self.shard_changed = asyncio.Event()
        self._failures: list[tuple[str, re.Pattern[str], int, Any, dict[str, str]]] = []
        self._sockets: dict[int, list[web.WebSocketResponse]] = {}  # shard -> its open (identified) connections
        self._shard_count = 1
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.new_call = asyncio.Event()
        self.cdn_files: dict[str, bytes] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def transport(self) -> DiscordTransport:
        """What to give `DiscordAdapter(..., transport=)` so its client talks to this fake (every
        GUILD_CREATE is sent at once, so discord.py need not wait for more)."""
        return DiscordTransport(api=f"{self.base}/api/v10", gateway=f"ws://127.0.0.1:{self.port}/gateway",
                                guild_ready_timeout=0.05, identify_gap=0.05)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def open_shards(self) -> dict[int, int]:
        """{shard: connections open now}, for the shards with at least one (identified)."""
        return {shard: len(sockets) for shard, sockets in self._sockets.items() if sockets}

    async def close(self) -> None:
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        shard: int | None = None
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        try:
            async for msg in ws:
                data = json.loads(msg.data)
                if data["op"] == 1:
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif data["op"] == 2:
                    self.identify = data["d"]
                    self.identifies.append(data["d"])
                    if self.close_on_identify is not None:
                        await ws.close(code=self.close_on_identify, message=b"Disallowed intent(s).")
                        break
                    shard, count = data["d"].get("shard") or (0, 1)
                    self._shard_count = count
                    sockets = self._sockets.setdefault(shard, [])
                    sockets.append(ws)
                    self.most_open[shard] = max(self.most_open[shard], len(sockets))
                    here = [g for g in self.guilds if shard_of(int(g["id"]), count) == shard]
                    ready: dict[str, Any] = {
                        "v": 10, "user": BOT, "guilds": [{"id": g["id"], "unavailable": True} for g in here],
                        "session_id": f"session-{shard}-{new_id()}", "application": {"id": str(APP_ID), "flags": 0},
                        "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway", "private_channels": [],
                        "relationships": [], "user_settings": {}, "presences": [], "guild_join_requests": [],
                        "geo_ordered_rtc_regions": []}
                    if data["d"].get("shard") is not None:
                        ready["shard"] = [shard, count]
                    await self._send(ws, "READY", ready)
                    for g in here:
                        await self._send(ws, "GUILD_CREATE", g)
                    self.shard_changed.set()  # its servers are sent: events of theirs may follow
        finally:
            if shard is not None and ws in self._sockets.get(shard, []):
                self._sockets[shard].remove(ws)
                self.shard_changed.set()
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def wait_shards(self, wanted: dict[int, int], timeout: float = 10.0) -> None:
        """Wait until the open connections per shard are `wanted` ({shard: count})."""
        async def poll() -> None:
            while self.open_shards() != wanted:
                self.shard_changed.clear()
                await self.shard_changed.wait()
        try:
            await asyncio.wait_for(poll(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"open shards {self.open_shards()}, wanted {wanted}") from None

    async def dispatch(self, event: str, data: Any) -> None:
        """Send one gateway dispatch (op 0) to the connection of the shard it belongs to (its guild's;
        direct messages: shard 0)."""
        guild_id = data.get("id") if event.startswith("GUILD_") and "guild_id" not in data else data.get("guild_id")
        shard = shard_of(int(guild_id) if guild_id else None, self._shard_count)
        sockets = self._sockets.get(shard)
        assert sockets, f"no client is connected to shard {shard}"
        for ws in sockets:
            await self._send(ws, event, data)

    # --------------------------------------------------------------------------------------- REST

    def fail(self, method: str, path_regex: str, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Answer the next `method` request whose path matches `path_regex` with an error."""
        self._failures.append((method, re.compile(path_regex), status, body, headers or {}))

    def find(self, method: str, path_regex: str) -> list[Call]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method and pattern.search(c.path)]

    async def wait_call(self, method: str, path_regex: str, timeout: float = 3.0) -> Call:
        async def poll() -> Call:
            while True:
                found = self.find(method, path_regex)
                if found:
                    return found[-1]
                self.new_call.clear()
                await self.new_call.wait()
        return await asyncio.wait_for(poll(), timeout)

    async def _cdn(self, request: web.Request) -> web.Response:
        return web.Response(body=self.cdn_files.get(request.match_info["name"], b""), content_type="text/plain")

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        call = Call(request.method, path, dict(request.query), dict(request.headers))
        if request.content_type == "application/json":
            call.json = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()
                call.form[part.name or ""] = data
                if part.name == "payload_json":
                    call.json = json.loads(data)
        self.calls.append(call)
        self.new_call.set()
        for index, (method, pattern, status, body, headers) in enumerate(self._failures):
            if method == request.method and pattern.search(path):
                del self._failures[index]
                return _json(body, status, headers)
        if call.headers.get("Authorization") not in (f"Bot {self.token}", None):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        status, body = self._answer(call)
        if body is None:
            return web.Response(status=status)
        return _json(body, status)

    def _answer(self, call: Call) -> tuple[int, Any]:  # noqa: C901 - one table of routes
        m, p, body = call.method, call.path, call.json or {}
        if (m, p) == ("GET", "/users/@me"):
            return 200, BOT
        if (m, p) == ("GET", "/gateway/bot"):
            return 200, {"url": "wss://gateway.discord.gg", "shards": self.recommended_shards,
                         "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}
        if (m, p) == ("GET", "/oauth2/applications/@me"):
            return 200, {"id": str(APP_ID), "name": "practica", "icon": None, "description": "", "rpc_origins": [],
                         "bot_public": True, "bot_require_code_grant": False, "owner": OWNER, "summary": "",
                         "verify_key": "00", "team": None, "flags": 0, "interactions_endpoint_url": None}
        if (m, p) == ("POST", "/users/@me/channels"):
            return 200, {"id": str(DM_ID), "type": 1, "last_message_id": None,
                         "recipients": [user(int(body["recipient_id"]), "someone")]}
        if match := re.fullmatch(r"/channels/(\d+)/messages", p):
            if m == "POST":
                return 200, self._echo(int(match[1]), body)
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", p):
            if m == "PATCH":
                return 200, self._echo(int(match[1]), body, message_id=match[2])
            if m == "GET":
                return 200, self.stored_message(int(match[1]), match[2])
            return 204, None
        if match := re.fullmatch(r"/channels/(\d+)/polls/(\d+)/expire", p):
            return 200, self._echo(int(match[1]), {"content": ""}, message_id=match[2])
        if re.fullmatch(r"/applications/\d+/(guilds/\d+/)?commands", p) and m == "PUT":
            return 200, [{**c, "id": str(new_id()), "application_id": str(APP_ID), "version": "1",
                          "default_member_permissions": None} for c in body]
        if re.fullmatch(r"/interactions/\d+/[^/]+/callback", p):
            return 200, {"interaction": {"id": p.split("/")[2], "type": 2,
                                         "response_message_loading": body.get("type") == 5,
                                         "response_message_ephemeral": bool(body.get("data", {}).get("flags", 0) & 64)}}
        if match := re.fullmatch(r"/webhooks/\d+/[^/]+", p):
            return 200, self._echo(GENERAL_ID, body)
        if re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", p):
            return 204, None
        if match := re.fullmatch(r"/guilds/(\d+)/members/(\d+)", p):
            if m == "GET" or m == "PATCH":
                return 200, member(user(int(match[2]), "someone"), self.member_roles.get(int(match[2]), ()))
            return 204, None
        if match := re.fullmatch(r"/users/(\d+)", p):
            return 200, user(int(match[1]), f"user{match[1][-3:]}")
        if match := re.fullmatch(r"/guilds/(\d+)", p):
            found = [g for g in self.guilds if g["id"] == match[1]]
            if found:
                return 200, {k: v for k, v in found[0].items() if k not in ("channels", "threads", "members")}
            return 404, {"message": "Unknown Guild", "code": 10004}
        if match := re.fullmatch(r"/channels/(\d+)", p):
            known = [c for g in self.guilds for c in g["channels"] if c["id"] == match[1]]
            return 200, known[0] if known else channel(int(match[1]), "elsewhere")
        if m in ("PUT", "DELETE"):
            return 204, None
        return 404, {"message": "404: Not Found", "code": 0}

    def stored_message(self, channel_id: int, message_id: str) -> dict[str, Any]:
        """The message GET /channels/{c}/messages/{m} returns: one text attachment served by the fake CDN."""
        data = message("the handout", channel_id=channel_id, id=message_id)
        self.cdn_files["handout.txt"] = b"week 1 handout"
        data["attachments"] = [{"id": "1300000000000000001", "filename": "handout.txt", "size": 14,
                                "url": f"{self.base}/cdn/handout.txt", "proxy_url": f"{self.base}/cdn/handout.txt",
                                "content_type": "text/plain; charset=utf-8"}]
        return data

    def _echo(self, channel_id: int, body: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
        data = message(body.get("content") or "", author=BOT, channel_id=channel_id, guild_id=None,
                       components=body.get("components") or [])
        if message_id:
            data["id"] = message_id
        poll = body.get("poll")
        if poll:
            data["poll"] = {
                "question": poll["question"], "allow_multiselect": poll.get("allow_multiselect", False),
                "layout_type": 1,
                "expiry": (datetime.now(timezone.utc) + timedelta(hours=poll["duration"])).isoformat(),
                "answers": [{"answer_id": i + 1, "poll_media": a["poll_media"]} for i, a in enumerate(poll["answers"])],
            }
        return data
