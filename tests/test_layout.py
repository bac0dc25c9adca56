"""Architecture rules a contributor could break without noticing."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"telegram": "adapters/telegram", "discord": "adapters/discord", "httpx": "adapters/whatsapp"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _sources() -> list[Path]:
    return [p for folder in ("core", "adapters", "plugins") for p in (ROOT / folder).rglob("*.py")]


def test_platform_libraries_are_imported_only_inside_their_adapter():
    offenders = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for library, home in PLATFORM_LIBRARIES.items():
            if library in _imports(path) and not rel.startswith(home + "/"):
                offenders.append(f"{rel} imports {library}")
    assert offenders == []


def test_plugins_never_import_each_other():
    offenders = []
    for path in (ROOT / "plugins").rglob("*.py"):
        own = path.relative_to(ROOT / "plugins").parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else ([module] if module else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "plugins" and len(parts) > 1 and parts[1] != own:
                    offenders.append(f"plugins/{path.relative_to(ROOT / 'plugins')} imports {name}")
    assert offenders == []


def test_console_start_does_not_import_platform_libraries_nor_postgresql_nor_fuzzy_matching():
    """A SQLite console start loads neither the platform libraries nor asyncpg, and rapidfuzz only when a
    search finds nothing: together about 8 MB of the start's memory (bench startup, peak RSS)."""
    code = ("import sys; from core.config import parse_config; from core.runtime import Runtime; from pathlib import Path;"
            "Runtime(parse_config({'adapters': {'console': {}}}, Path('x/plugins.toml')));"
            "print(sorted(m for m in ('telegram', 'discord', 'asyncpg', 'rapidfuzz') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _core_modules() -> dict[str, Path]:
    modules = {}
    for path in (ROOT / "core").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imported(module: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """Every module `module` imports, wherever the import is (top level, in a function, under
    TYPE_CHECKING): `from core import events` names core.events, `from core import Context` the package."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            submodules = {f"{base}.{alias.name}" for alias in node.names} & set(known)
            out.update(submodules)
            if len(submodules) < len(node.names):
                out.add(base)
    out.discard(module)
    return out


def test_core_never_imports_an_adapter():
    """Adapters depend on core (core.adapter is their contract); the runtime finds them by entry point."""
    modules = _core_modules()
    offenders = sorted(f"{name} imports {target}" for name, path in modules.items()
                       for target in _imported(name, path, modules) if target.split(".")[0] == "adapters")
    assert offenders == []


def test_no_import_cycle_inside_core():
    """Counting every import, type-only ones included: a part of core never depends on what builds it."""
    modules = _core_modules()
    graph = {name: sorted(t for t in _imported(name, path, modules) if t in modules) for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in graph[name]:
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert [" -> ".join(cycle) for cycle in cycles] == []


# --- the standard plugin layout (README, "Writing a plugin") ---------------------------------------------

PLUGIN_MODULES = {"__init__.py", "config.py", "commands.py", "service.py", "jobs.py", "members.py", "store.py",
                  "logic.py", "dashboard.py", "events.py"}
PLUGIN_PACKAGES = {"commands", "services", "store", "locales", "templates"}


def layout_problems(folder: Path) -> list[str]:
    """What in a plugin folder breaks the standard layout (empty: none)."""
    name, problems = folder.name, []
    for entry in sorted(folder.iterdir()):
        if entry.name == "__pycache__":
            continue
        allowed = PLUGIN_PACKAGES if entry.is_dir() else PLUGIN_MODULES
        if entry.name not in allowed:
            problems.append(f"plugins/{name}/{entry.name} is not a slot of the layout")
    for module, package in (("commands.py", "commands"), ("service.py", "services"), ("store.py", "store")):
        if (folder / module).exists() and (folder / package).is_dir():
            problems.append(f"plugins/{name} has both {module} and {package}/")
    tree = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        if isinstance(node, ast.ClassDef) and node.name == "Plugin":
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not any(
                        "hookimpl" in ast.unparse(d) for d in item.decorator_list):
                    problems.append(f"plugins/{name}/__init__.py: Plugin.{item.name} is not a @hookimpl")
            continue
        problems.append(f"plugins/{name}/__init__.py line {node.lineno}: only the Plugin class belongs here")
    return problems


def test_every_built_in_plugin_follows_the_standard_layout():
    folders = [p for p in sorted((ROOT / "plugins").iterdir()) if (p / "__init__.py").is_file()]
    assert len(folders) == 6
    assert [problem for folder in folders for problem in layout_problems(folder)] == []


def test_a_new_plugin_follows_the_standard_layout(tmp_path):
    from core.scaffold import new_plugin

    assert new_plugin("hello", tmp_path) == 0
    assert layout_problems(tmp_path / "plugins" / "hello") == []


def test_the_layout_check_names_what_is_out_of_place(tmp_path):
    folder = tmp_path / "clumsy"
    (folder / "services").mkdir(parents=True)
    (folder / "__init__.py").write_text("import core\n\nclass Plugin(core.Plugin):\n    def helper(self):\n        pass\n\n"
                                        "def logic():\n    pass\n")
    (folder / "service.py").write_text("")
    (folder / "data.py").write_text("")
    assert layout_problems(folder) == [
        "plugins/clumsy/data.py is not a slot of the layout",
        "plugins/clumsy has both service.py and services/",
        "plugins/clumsy/__init__.py: Plugin.helper is not a @hookimpl",
        "plugins/clumsy/__init__.py line 7: only the Plugin class belongs here",
    ]


# --- the adapter layout (docs/adapter-layout.md) ---------------------------------------------------------

ADAPTER_MODULES = ("adapter.py", "capabilities.py", "config.py", "convert.py", "errors.py", "outbound.py")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def adapter_layout_problems(folder: Path) -> list[str]:
    """What in a platform adapter's folder breaks the adapter layout (empty: none)."""
    where = f"adapters/{folder.name}"
    problems = [f"{where} has no {module}" for module in ADAPTER_MODULES if not (folder / module).is_file()]
    if (folder / "convert.py").is_file() and "core.replies" in _imported_modules(folder / "convert.py"):
        problems.append(f"{where}/convert.py imports core.replies: turning actions into platform calls is outbound.py's job")
    if (folder / "errors.py").is_file():
        own = {m for m in _imported_modules(folder / "errors.py") if m.startswith(f"adapters.{folder.name}.")}
        if own - {f"adapters.{folder.name}.logs"}:
            problems.append(f"{where}/errors.py imports {', '.join(sorted(own))}: it only maps exceptions")
    return problems


def test_every_platform_adapter_has_the_same_modules_for_the_same_jobs():
    folders = [p for p in sorted((ROOT / "adapters").iterdir()) if (p / "__init__.py").is_file()]
    assert [p.name for p in folders] == ["discord", "telegram", "whatsapp"]
    assert [problem for folder in folders for problem in adapter_layout_problems(folder)] == []


def test_the_adapter_layout_check_names_what_is_missing_or_misplaced(tmp_path):
    folder = tmp_path / "pigeon"
    folder.mkdir()
    for module in ("__init__.py", "adapter.py", "capabilities.py", "config.py", "errors.py"):
        (folder / module).write_text("")
    (folder / "convert.py").write_text("from core.replies import Reply\n")
    (folder / "errors.py").write_text("from adapters.pigeon.adapter import PigeonAdapter\n")
    assert adapter_layout_problems(folder) == [
        "adapters/pigeon has no outbound.py",
        "adapters/pigeon/convert.py imports core.replies: turning actions into platform calls is outbound.py's job",
        "adapters/pigeon/errors.py imports adapters.pigeon.adapter: it only maps exceptions",
    ]
