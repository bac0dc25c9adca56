"""`practica plugins` says where each plugin comes from: built-in, a plugin_dirs folder, or a package."""

from __future__ import annotations

import textwrap

from tests.core.test_config_and_cli import run_cli
from tests.core.test_plugin_sources import PLUGIN_SOURCE


def test_plugins_lists_each_source_with_its_own_label(tmp_path):
    local = tmp_path / "local_plugins" / "clinic_tips"
    local.mkdir(parents=True)
    (local / "__init__.py").write_text(PLUGIN_SOURCE.format(word="tip", where="local"), encoding="utf-8")
    site = tmp_path / "site"  # an installed distribution exposing a plugin under the `practica` group
    (site / "practica_demo_pkg").mkdir(parents=True)
    (site / "practica_demo_pkg" / "__init__.py").write_text(PLUGIN_SOURCE.format(word="demo", where="package"), encoding="utf-8")
    info = site / "practica_demo-1.4.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: practica-demo\nVersion: 1.4.2\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[practica]\ndemo = practica_demo_pkg:Plugin\n", encoding="utf-8")
    config = tmp_path / "plugins.toml"
    config.write_text(textwrap.dedent("""
        [practica]
        plugin_dirs = ["local_plugins"]
    """), encoding="utf-8")
    result = run_cli("plugins", "--config", str(config), env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert f"enabled   plugin_dirs {local} — A local plugin." in rows["clinic_tips"]
    assert "enabled   entry point practica-demo 1.4.2 — A package plugin." in rows["demo"]
    assert "enabled   built-in — " in rows["polls"]
    assert "built-in" not in rows["clinic_tips"] and "built-in" not in rows["demo"]
