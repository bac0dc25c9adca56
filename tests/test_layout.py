"""Architecture rules a contributor could break without noticing."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def test_console_start_does_not_import_platform_libraries():
    code = ("import sys; from core.config import parse_config; from core.runtime import Runtime; from pathlib import Path;"
            "Runtime(parse_config({'adapters': {'console': {}}}, Path('x/plugins.toml')));"
            "print(sorted(m for m in ('telegram', 'discord') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
