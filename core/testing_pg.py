"""A throwaway PostgreSQL server for tests: real PostgreSQL from the Debian package, no mocks.

One server per test session (`PgServer.start()`), in a temporary folder, listening on 127.0.0.1 on a
free port, with fsync off (its data is thrown away anyway); every test gets a fresh database of its own
(`await server.new_database()` returns its DSN). When running as root (CI, these machines) `initdb` and
the server run as the unprivileged `postgres` user, since PostgreSQL refuses to run as root.

If the server cannot start, tests fail with a message that says why and how to fix it: they are never
skipped (`.ci/run` installs the `postgresql` package when `initdb` is missing).

Through core.testing's pytest plugin: the session fixture `practica_pg` is the server, and `pg_dsn` a
fresh database's DSN for one test.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "practica"
OWNER_FILE = "owner.pid"  # the test process that started the server
INSTALL_HINT = "install PostgreSQL (Debian: apt-get install -y postgresql; .ci/run does it)"


class PgUnavailable(RuntimeError):
    """The test server could not be started; the message says why and what to do."""


def find_bindir() -> Path:
    """The folder holding initdb/pg_ctl: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                      if Path(p).parent.name.isdigit() else 0, reverse=True)
    candidates.extend(Path(p) for p in versions)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PgUnavailable(f"no PostgreSQL server programs (initdb, pg_ctl) found; {INSTALL_HINT}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running throwaway server. `stop()` ends it and removes its folder."""

    bindir: Path
    folder: Path
    port: int
    run_as: str | None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls, prefix: str = "practica-pg-") -> PgServer:
        """initdb in a new temporary folder and start the server; raises PgUnavailable with the reason."""
        bindir = find_bindir()
        run_as = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user to run the server as; "
                                    f"{INSTALL_HINT} (the package creates that user)") from None
            run_as = "postgres"
        _stop_orphans(bindir, prefix, run_as)
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        (folder / OWNER_FILE).write_text(str(os.getpid()))
        server = cls(bindir=bindir, folder=folder, port=0, run_as=run_as)
        try:
            if run_as is not None:
                entry = pwd.getpwnam(run_as)
                os.chown(folder, entry.pw_uid, entry.pw_gid)
            server._run("initdb", "-D", str(server.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-sync")
            for attempt in range(3):  # a free port can be taken between choosing and binding it
                server.port = free_port()
                options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -k {folder} -c fsync=off "
                           "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                           "-c shared_buffers=32MB")
                try:
                    server._run("pg_ctl", "-D", str(server.data), "-l", str(folder / "server.log"), "-o", options,
                                "-w", "-t", "60", "start")
                    break
                except PgUnavailable:
                    if attempt == 2:
                        raise
        except BaseException:
            server._remove()
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PgUnavailable(f"could not run {program}: {exc}") from exc
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise PgUnavailable(f"{program} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-1500:]}"
                                + (f"\nserver log:\n{tail}" if tail else ""))

    async def new_database(self) -> str:
        """Create an empty database (its own name in this server) and return its DSN."""
        import asyncpg  # imported here: SQLite-only tests never load it

        name = f"t{os.getpid()}_{next(self._names)}"
        conn = await asyncpg.connect(self.dsn())
        try:
            # FILE_COPY (PostgreSQL 15+) copies template0's files: about half the time of the default
            # WAL_LOG, which writes every page through the WAL (fsync is off here, so no cost in safety).
            newer = int(await conn.fetchval("SHOW server_version_num")) >= 150000
            strategy = " STRATEGY FILE_COPY" if newer else ""
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0{strategy}')
        finally:
            await conn.close()
        return self.dsn(name)

    def restart(self) -> None:
        """Restart the server (fast shutdown: every connection is dropped), as an operator's restart does."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-m", "fast", "-w", "-t", "60",
                  "restart")

    def stop(self) -> None:
        """Stop the server at once (its data is disposable) and delete its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            self._remove()

    def _remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _stop_orphans(bindir: Path, prefix: str, run_as: str | None) -> None:
    """Stop the servers of earlier test processes that died without stopping theirs (a killed pytest):
    each folder names its owner's pid, and a server whose owner is gone is stopped and removed."""
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(owner, 0)
            continue  # still running: its server is in use
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        orphan = PgServer(bindir=bindir, folder=folder, port=0, run_as=run_as)
        try:
            orphan.stop()
        except PgUnavailable:
            orphan._remove()
