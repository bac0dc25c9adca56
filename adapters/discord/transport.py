"""Where the discord.py client connects: Discord's own servers, or a test peer on 127.0.0.1.

discord.py keeps the REST base (`Route.BASE`) and the gateway address (`DiscordWebSocket.DEFAULT_GATEWAY`)
as class attributes shared by every client in the process. A `DiscordTransport` given to the adapter
routes only that adapter's client: its REST calls (interaction answers included) go to `api`, its
gateway connection to `gateway`. A fake Discord (tests/adapters/discord/fakediscord.py) serves both on
one local port. This module is the one place that knows how discord.py reaches the network: its
`HTTPClient` (REST and gateway) and the aiohttp session it shares with interactions and webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import discord.http
import yarl

DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


@dataclass(frozen=True, slots=True)
class DiscordTransport:
    """The addresses one adapter's client uses.

    Attributes:
        api: the REST base, up to and including the API version (`http://127.0.0.1:8080/api/v10`).
        gateway: the gateway's websocket address (`ws://127.0.0.1:8080/gateway`); the query discord.py
            adds (version, encoding, compression) is kept.
        guild_ready_timeout: how long discord.py waits for more GUILD_CREATEs after READY before it
            reports ready (a peer that sends every server at once can say 0.05).
        identify_gap: seconds between two shard IDENTIFYs of one client (Discord allows one per 5 s;
            a test peer can say 0.05).
    """

    api: str = DISCORD_API
    gateway: str = DISCORD_GATEWAY
    guild_ready_timeout: float = 2.0
    identify_gap: float = 5.0

    def client_options(self) -> dict[str, Any]:
        """The client options this transport sets (`ShardedClient`'s)."""
        return {"guild_ready_timeout": self.guild_ready_timeout, "identify_gap": self.identify_gap}

    def route(self, client: discord.Client) -> None:
        """Send `client`'s REST calls and gateway connection to this transport's addresses."""
        if self.api == DISCORD_API and self.gateway == DISCORD_GATEWAY:
            return
        http = client.http
        http.__class__ = _RoutedHTTP  # the same object (the client's state holds it), with two overrides
        http._practica_transport = self  # type: ignore[attr-defined]

    def api_url(self, url: str) -> str:
        """`url` of a REST call, moved from Discord's base to `api`."""
        base = discord.http.Route.BASE
        return self.api.rstrip("/") + url[len(base):] if url.startswith(base) else url

    def gateway_url(self, url: str) -> str:
        """`url` of a gateway connection: Discord's default gateway becomes `gateway` (same query)."""
        wanted, default = yarl.URL(url), yarl.URL(DISCORD_GATEWAY)
        if wanted.host != default.host:
            return url  # a resume_gateway_url the peer itself sent
        return str(yarl.URL(self.gateway).with_query(wanted.query))


class _RoutedHTTP(discord.http.HTTPClient):
    """discord.py's HTTP client with its REST and gateway addresses taken from a DiscordTransport."""

    _practica_transport: DiscordTransport

    async def request(self, route: discord.http.Route, **kwargs: Any) -> Any:
        route.url = self._practica_transport.api_url(route.url)
        return await super().request(route, **kwargs)

    async def ws_connect(self, url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        return await super().ws_connect(self._practica_transport.gateway_url(url), compress=compress)

    async def static_login(self, token: str) -> Any:
        """Log in, then route the session discord.py hands to interactions and webhooks too."""
        user = await super().static_login(token)
        session = self._HTTPClient__session  # type: ignore[has-type]  # discord.py's own name for it
        if not isinstance(session, _RoutedSession):
            self._HTTPClient__session = _RoutedSession(session, self._practica_transport)
        return user


class _RoutedSession:
    """The client's aiohttp session, with Discord's addresses replaced by the transport's."""

    def __init__(self, session: aiohttp.ClientSession, transport: DiscordTransport) -> None:
        self._session = session
        self._transport = transport

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        return self._session.request(method, self._transport.api_url(str(url)), **kwargs)

    def ws_connect(self, url: Any, **kwargs: Any) -> Any:
        return self._session.ws_connect(self._transport.gateway_url(str(url)), **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
