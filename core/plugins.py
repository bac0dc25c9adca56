"""Building the plugin manager: built-ins, entry points, local folders; enable/disable; load checks.

Where plugins come from (one name everywhere: folder, `[plugins.<name>]`, entry point, table prefix,
logger):
- built-ins: every package in `plugins/` (its `__init__.py` defines `class Plugin`);
- third-party packages: the `practica` entry-point group (the value is a module with a `Plugin`
  class, or the class itself);
- local folders: each folder in `[practica] plugin_dirs` holds plugin packages like `plugins/`.

A plugin is enabled unless `[plugins.<name>] enabled = false`; a community can turn one off with
`disabled_plugins`. Every problem found at load stops the start with one sentence per problem.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import logging
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from core.commands import CommandRegistry
from core.dialects import Migration
from core.config import Config
from core.errors import ConfigError, PluginLoadError
from core.hooks import HookRunner, check_colours
from core.hookspecs import PracticaSpecs
from core.i18n import command_usages, command_words, load_catalogs
from core.schema import did_you_mean, validate

log = logging.getLogger("practica.plugins")

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "plugins"
ENTRY_POINT_GROUP = "practica"


@dataclass
class PluginInfo:
    """A discovered plugin and, once loaded, its validated configs."""

    name: str
    obj: Any
    source: str  # "built-in", "entry point <distribution> <version>", "plugin_dirs <path>" (see _source_*)
    folder: Path | None
    enabled: bool = True
    schema: type | None = None
    config: Any = None
    community_configs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass
class LoadedPlugins:
    """Everything the runtime needs from loading: the manager, the runner, commands, infos."""

    pm: pluggy.PluginManager
    runner: HookRunner
    commands: CommandRegistry
    infos: dict[str, PluginInfo]
    migrations: dict[str, tuple[Migration, ...]]
    jobs: list[tuple[str, Mapping[str, Any]]]

    @property
    def enabled(self) -> list[str]:
        return [name for name, info in self.infos.items() if info.enabled]


def _instantiate(module_or_class: Any, where: str) -> Any:
    target = getattr(module_or_class, "Plugin", module_or_class) if isinstance(module_or_class, types.ModuleType) else module_or_class
    if isinstance(target, types.ModuleType):
        raise PluginLoadError(f"{where}: no class named Plugin in {target.__name__}.")
    return target() if inspect.isclass(target) else target


def _describe(obj: Any) -> str:
    doc = inspect.getdoc(type(obj)) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def discover(config: Config) -> dict[str, PluginInfo]:
    """Find every plugin (not yet checked), keyed by name; a name found twice is an error."""
    found: dict[str, PluginInfo] = {}

    def add(info: PluginInfo) -> None:
        if info.name in found:
            raise PluginLoadError(f"two plugins are named {info.name!r}: {found[info.name].source} and {info.source}; "
                                  f"rename or uninstall one.")
        found[info.name] = info

    for folder in sorted(p for p in BUILTIN_DIR.iterdir() if (p / "__init__.py").is_file()):
        module = _import(f"plugins.{folder.name}", f"built-in plugin {folder.name!r}")
        add(PluginInfo(folder.name, _instantiate(module, f"plugins/{folder.name}"), "built-in", folder))
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:
            raise PluginLoadError(f"entry point {entry.name!r} ({entry.value}) failed to import: {exc}") from exc
        module_file = getattr(sys.modules.get(getattr(loaded, "__module__", "") or getattr(loaded, "__name__", "")), "__file__", None)
        home = Path(module_file).parent if module_file else None
        add(PluginInfo(entry.name, _instantiate(loaded, f"entry point {entry.name!r}"), _entry_point_source(entry), home))
    for raw_dir in config.practica.plugin_dirs:
        base = (config.path.parent / raw_dir).resolve()
        if not base.is_dir():
            raise ConfigError(f"{config.path} [practica] key 'plugin_dirs': folder {raw_dir!r} does not exist ({base}).")
        for folder in sorted(p for p in base.iterdir() if (p / "__init__.py").is_file()):
            module = _import_path(folder)
            add(PluginInfo(folder.name, _instantiate(module, str(folder)), f"plugin_dirs {folder}", folder))
    for info in found.values():
        info.description = _describe(info.obj)
    return found


def _entry_point_source(entry: importlib.metadata.EntryPoint) -> str:
    """"entry point <distribution> <version>": the package an operator would upgrade or uninstall."""
    dist = entry.dist
    if dist is None:
        return f"entry point {entry.value}"
    return f"entry point {dist.metadata['Name'] or dist.name} {dist.version}"


def _import(name: str, where: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise PluginLoadError(f"{where} failed to import: {type(exc).__name__}: {exc}") from exc


def _import_path(folder: Path) -> types.ModuleType:
    name = f"practica_local_plugins.{folder.name}"
    if "practica_local_plugins" not in sys.modules:
        sys.modules["practica_local_plugins"] = types.ModuleType("practica_local_plugins")
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:
        raise PluginLoadError(f"plugin folder {folder} cannot be imported.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise PluginLoadError(f"plugin folder {folder} failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def load_plugins(config: Config, *, extra: Mapping[str, Any] | None = None, only: set[str] | None = None) -> LoadedPlugins:
    """Discover, enable, register and check every plugin; raise on the first problem found.

    Args:
        config: the validated plugins.toml.
        extra: additional plugin objects by name (tests and the test kit use this).
        only: when given, enable only these plugins (others are disabled), whatever the config says.
    """
    infos = discover(config)
    for name, obj in (extra or {}).items():
        if name in infos:
            raise PluginLoadError(f"a plugin named {name!r} already exists ({infos[name].source}).")
        infos[name] = PluginInfo(name, obj, "test", None, description=_describe(obj))
    for name in config.plugins:
        if name not in infos:
            raise ConfigError(f"{config.path} [plugins.{name}]: no plugin named {name!r}{did_you_mean(name, infos)}. "
                              f"Installed plugins: {', '.join(sorted(infos))}.")
    for name, info in infos.items():
        table = config.plugins.get(name, {})
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"{config.path} [plugins.{name}] key 'enabled': expected true or false, got {enabled!r}.")
        info.enabled = enabled if only is None else (name in only or name in (extra or {}))
    for community in config.communities.values():
        for name in (*community.disabled_plugins, *community.plugin_overrides):
            if name not in infos:
                raise ConfigError(f"{config.path} [communities.{community.name}]: no plugin named {name!r}"
                                  f"{did_you_mean(name, infos)}.")

    pm = pluggy.PluginManager("practica")
    pm.add_hookspecs(PracticaSpecs)
    for name, info in infos.items():
        if not info.enabled:
            continue
        try:
            pm.register(info.obj, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(f"plugin {name!r}: {exc}") from None
    problems = check_colours(pm)
    if problems:
        raise PluginLoadError("plugin problems:\n- " + "\n- ".join(problems))
    runner = HookRunner(pm, budget=config.practica.hook_timeout)

    for name, schema in runner.collect("practica_config_schema"):
        infos[name].schema = schema
    for name, info in infos.items():
        if info.enabled:
            _validate_plugin_config(config, info)

    registry = CommandRegistry()
    for name, commands in runner.collect("practica_register_commands"):
        folder = infos[name].folder
        catalogs = load_catalogs(folder / "locales") if folder is not None else {}
        for cmd in commands:
            word = getattr(cmd, "name", "")
            registry.register(name, cmd, command_words(catalogs, word), command_usages(catalogs, word))
    migrations = {name: tuple(m) for name, m in runner.collect("practica_register_migrations")}
    jobs = runner.collect("practica_register_jobs")
    return LoadedPlugins(pm, runner, registry, infos, migrations, jobs)


def _validate_plugin_config(config: Config, info: PluginInfo) -> None:
    table = {k: v for k, v in config.plugins.get(info.name, {}).items() if k != "enabled"}
    where = f"{config.path} [plugins.{info.name}]"
    if info.schema is None:
        if table:
            raise ConfigError(f"{where}: plugin {info.name!r} takes no settings, but the table has "
                              f"{', '.join(repr(k) for k in table)}.")
        return
    info.config = validate(info.schema, table, where)
    for community in config.communities.values():
        override = community.plugin_overrides.get(info.name)
        if override:
            info.community_configs[community.name] = validate(
                info.schema, {**table, **override}, f"{config.path} [communities.{community.name}.plugins.{info.name}]")
