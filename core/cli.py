"""`practica run | check | plugins | migrate | new-plugin`: the operator's command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from core.errors import PracticaError

DEFAULT_CONFIG = "plugins.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="practica", description="A chat bot for communities of practice.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the bot")
    run.add_argument("--config", default=DEFAULT_CONFIG, help="path to plugins.toml (default: ./plugins.toml)")
    check = sub.add_parser("check", help="validate the config; list adapters and plugins")
    check.add_argument("--config", default=DEFAULT_CONFIG)
    plugins = sub.add_parser("plugins", help="list the installed plugins")
    plugins.add_argument("--config", default=DEFAULT_CONFIG)
    migrate = sub.add_parser("migrate", help="copy a SQLite database into an empty PostgreSQL database")
    migrate.add_argument("--from", dest="source", required=True, help="the SQLite file (the bot must be stopped)")
    migrate.add_argument("--to", dest="target", required=True, help="postgresql://user:password@host/db")
    migrate.add_argument("--config", default=DEFAULT_CONFIG, help="plugins.toml naming the plugins whose tables to copy")
    migrate.add_argument("--force", action="store_true", help="replace the rows a non-empty target holds")
    new = sub.add_parser("new-plugin", help="create a plugin folder with a passing test")
    new.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(Path(args.config))
        if args.command == "check":
            return _check(Path(args.config))
        if args.command == "plugins":
            return _plugins(Path(args.config))
        if args.command == "migrate":
            return _migrate(Path(args.config), args.source, args.target, args.force)
        from core.scaffold import new_plugin

        return new_plugin(args.name)
    except PracticaError as exc:
        print(f"practica: {exc}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError, ValueError) as exc:  # anything else that stops a start: one line, no traceback
        logging.getLogger("practica").debug("stopped by an unexpected error", exc_info=True)
        print(f"practica: stopped: {type(exc).__name__}: {exc}. Run with [practica] log_level = \"DEBUG\" for details.",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `practica check | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# Libraries that log statement parameters (message bodies, names) at debug level. Their debug records
# never reach the log, whatever `log_level` says: only their info and above do.
QUIET_LIBRARIES = ("aiosqlite", "asyncpg", "python_multipart", "multipart", "uvicorn", "uvicorn.access", "uvicorn.error")


def setup_logging(level: str, stream: TextIO | None = None) -> logging.Handler:
    """Send practica's log to `stream` (stderr) at `level`; returns the handler it installed.

    At DEBUG, aiosqlite would log every statement with its parameters ("executing partial(execute,
    'INSERT ...', ('the message text', ...))"), so its debug records are dropped at its logger.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.WARNING))
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO)
    return handler


def _run(path: Path) -> int:
    from core.config import load_config
    from core.heap import settle_after_start
    from core.runtime import Runtime

    config = load_config(path)
    setup_logging(config.practica.log_level)

    async def serve() -> None:
        runtime = Runtime(config)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, runtime.request_stop)
            except (NotImplementedError, RuntimeError):
                pass
        async with runtime:
            settle_after_start()  # what startup built lives as long as the process (core.heap)
            if runtime.dashboard is not None:
                print(f"practica: dashboard listening on {runtime.dashboard.local_url}"
                      f" (links use {runtime.dashboard.url}); coordinators send /dashboard", file=sys.stderr, flush=True)
            await runtime.run_until_stopped()

    asyncio.run(serve())
    return 0


def _check(path: Path) -> int:
    from core.config import load_config
    from core.runtime import Runtime

    from core.errors import ConfigError
    from core.engines import database_problem, workers_problem

    config = load_config(path)
    runtime = Runtime(config)
    problem = workers_problem(config.database_path, config.practica.several_workers)
    if problem is not None:
        raise ConfigError(f"{path} [practica]: {problem}")
    problem = database_problem(config.database_path)
    if problem is not None:
        raise ConfigError(f"{path} [practica] database: {problem}")
    print(f"{path}: OK")
    print("adapters:")
    for name, adapter in runtime.adapters.items():
        print(f"  {name}: {adapter.capabilities.summary()}")
    print("plugins:")
    for name, info in sorted(runtime.loaded.infos.items()):
        if not info.enabled:
            print(f"  {name}: disabled")
            continue
        cmds = [f"{config.practica.prefix}{c.name}" for c in runtime.commands if c.plugin == name]
        print(f"  {name} ({info.source}): {' '.join(cmds) or 'no commands'}")
    print("communities:")
    for community in config.communities.values():
        print(f"  {community.name}: {len(community.chats)} chat(s), {community.locale}, {community.timezone.key}")
    for warning in _duplicate_keys(config):
        print(f"warning: {warning}")
    return 0


def _duplicate_keys(config: object) -> list[str]:
    """Keys set in both an adapter's table and a plugin's table (e.g. `verified_role` in [adapters.discord]
    and [plugins.moderation]) with different values: one setting, two places, and the two disagree."""
    tables = {f"adapters.{name}": table for name, table in getattr(config, "adapters").items()}
    tables.update({f"plugins.{name}": table for name, table in getattr(config, "plugins").items()})
    out = []
    names = sorted(tables)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if first.split(".")[0] == second.split(".")[0]:
                continue
            for key in sorted(set(tables[first]) & set(tables[second]) - {"enabled"}):
                if tables[first][key] != tables[second][key]:
                    out.append(f"key '{key}' is set in [{first}] and in [{second}] with different values; "
                               f"[{second}] wins where both apply: keep one (see README.md)")
    return out


def _migrate(path: Path, source: str, target: str, force: bool) -> int:
    from core.config import load_config
    from core.copydb import copy_to_postgresql, migrated_line
    from core.engines import is_postgresql, redacted, url_problem
    from core.errors import ConfigError
    from core.plugins import load_plugins
    from core.runtime import CORE_MIGRATIONS

    if not is_postgresql(target):
        raise ConfigError(f"--to {target}: expected a PostgreSQL URL, postgresql://user:password@host:5432/dbname")
    problem = url_problem(target)
    if problem is not None:
        raise ConfigError(f"--to: {problem}")
    loaded = load_plugins(load_config(path))
    migrations = [*CORE_MIGRATIONS.items(), *loaded.migrations.items()]
    copied = asyncio.run(copy_to_postgresql(source, target, migrations, force=force))
    width = max((len(c.table) for c in copied), default=5)
    for c in copied:
        print(f"  {c.table:<{width}}  {c.source:>8} -> {c.target:>8}{'' if c.source == c.target else '  MISMATCH'}")
    wrong = [c.table for c in copied if c.source != c.target]
    if wrong:
        print(f"practica: the counts differ in {', '.join(wrong)}: do not switch to {redacted(target)} yet", file=sys.stderr)
        return 1
    print(f"{source} -> {redacted(target)}: {migrated_line(copied)}; the counts match. Set [practica] database to the URL.")
    return 0


def _plugins(path: Path) -> int:
    from core.config import load_config, parse_config
    from core.plugins import discover

    config = load_config(path) if path.exists() else parse_config({}, path)
    for name, info in sorted(discover(config).items()):
        state = "disabled" if config.plugins.get(name, {}).get("enabled", True) is False else "enabled"
        print(f"{name:16} {state:9} {info.source}" + (f" — {info.description}" if info.description else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
