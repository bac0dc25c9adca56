"""Serving the dashboard with uvicorn on the runtime's own loop (no thread, no second process).

uvicorn's access log is off and its loggers are kept at WARNING: a request line would print
`/login/<token>`, and nothing of a request (path, cookie, form) is ever logged by practica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import uvicorn

from core.dashboard.app import Dashboard
from core.errors import ConfigError

if TYPE_CHECKING:
    from core.dashboard.pages import Page
    from core.host import Host

log = logging.getLogger("practica.dashboard")


@contextlib.contextmanager
def _no_signals() -> Iterator[None]:
    """Instead of uvicorn's `Server.capture_signals`: the bot's own handlers stay in place while it serves."""
    yield


class DashboardServer:
    """Start and stop the dashboard's HTTP server inside the running loop."""

    def __init__(self, runtime: Host, declared_pages: Iterable[tuple[str, Iterable[Page] | None]]) -> None:
        self.dashboard = Dashboard(runtime, declared_pages)
        self.settings = runtime.config.dashboard
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = self.settings.port

    @property
    def url(self) -> str:
        """Where links point: `public_url`, else http://host:port."""
        return self.settings.public_url.rstrip("/") or f"http://{self.settings.host}:{self.port}"

    @property
    def local_url(self) -> str:
        """Where the server listens."""
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
            logging.getLogger(name).setLevel(logging.WARNING)
        config = uvicorn.Config(self.dashboard.app, host=self.settings.host, port=self.settings.port, access_log=False,
                                log_config=None, lifespan="off", server_header=False, proxy_headers=False,
                                timeout_graceful_shutdown=2)
        server = uvicorn.Server(config)
        server.capture_signals = _no_signals  # type: ignore[method-assign]  # the CLI owns SIGINT and SIGTERM
        self._server = server
        self._task = asyncio.create_task(server.serve(), name="practica-dashboard")
        while not server.started:
            if self._task.done():
                self._task.result() if not self._task.cancelled() else None
                raise ConfigError(f"[dashboard]: cannot listen on {self.settings.host}:{self.settings.port} "
                                  f"(port in use?); change 'port' in plugins.toml.")
            await asyncio.sleep(0.01)
        sockets = [s for srv in server.servers for s in srv.sockets]
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self.dashboard.public_url = self.url
        log.info("dashboard listening on %s (links use %s)", self.local_url, self.url)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, timeout=5)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - stopping; the process exits next
            self._task.cancel()
        self._server = None
        self._task = None
