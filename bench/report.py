"""Writes bench/RESULTS.md from the benchmarks' results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import fmt

HOW = """## How to reproduce

From the repository root: `make bench` (or `.venv/bin/python -m bench`) runs every benchmark, each in
its own fresh interpreter, and rewrites this file; it takes a few minutes on 2 cores (budget: 10).
`python -m bench telegram` runs one (names: telegram, discord, core, commands, search, scheduler,
startup, pipeline, dashboard, scaling), `--quick` is a smoke run with small sizes, `--no-write` only prints. Nothing touches the
network: Telegram updates are parsed by python-telegram-bot's `Update.de_json`, Discord payloads by
discord.py's own `ConnectionState` parser with a prepared guild, and replies are captured in memory by a
capturing adapter behind practica's real outbox. Every figure is a median over several passes after a
warm-up, and every comparison is a ratio against a baseline measured in the same process and run,
with passes of the two sides interleaved (the machine is noisy: compare ratios, not absolute figures,
across machines). Built-in plugins that do not import (being written) are left out and listed below.
"""


def _met(value: Any) -> str:
    return "" if value is None else ("met" if value else "**missed**")


def write_report(path: Path, results: list[dict[str, Any]], machine: dict[str, str], *, quick: bool, total: float,
                 when: datetime, partial: bool) -> None:
    lines = ["# practica benchmarks", ""]
    if quick:
        lines += ["> **Quick (smoke) run: small sizes and few passes; not the reference figures.**", ""]
    if partial:
        lines += ["> Partial run: only " + ", ".join(r["benchmark"] for r in results) + ".", ""]
    lines += [HOW, "## Machine and versions", ""]
    lines.append(f"- Date (UTC): {when:%Y-%m-%d %H:%M}; total run time {total:.0f} s")
    lines.append(f"- Machine: {machine['nproc']} CPU(s), {machine['cpu']}, RAM {machine['ram']}; {machine['platform']}")
    lines.append("- Versions: " + ", ".join(f"{k} {machine[k]}" for k in
                                           ("python", "python-telegram-bot", "discord.py", "aiosqlite", "pluggy", "sqlite", "rapidfuzz")))
    plugins = next((r["plugins"] for r in results if r.get("plugins")), {})
    if plugins:
        lines.append("- Built-in plugins: " + "; ".join(f"{k}: {v}" for k, v in plugins.items()))
    lines += ["", "## Figures", "",
              "| benchmark | figure | value | baseline (same run) | ratio | target | met |",
              "|---|---|---:|---|---:|---|---|"]
    for r in results:
        for f in r["figures"]:
            baseline = f"{fmt(f['baseline'])} {f['baseline_label']}" if f["baseline"] is not None else ""
            ratio = f"{f['ratio']:.2f}x" if f["ratio"] is not None else ""
            lines.append(f"| {r['benchmark']} | {f['name']} | {fmt(f['value'])} {f['unit']} | {baseline} | {ratio} | "
                         f"{f['target']} | {_met(f['met'])} |")
        if not r["figures"]:
            lines.append(f"| {r['benchmark']} | (no figures: {'; '.join(r['notes'])}) | | | | | |")
    lines.append("")
    for r in results:
        lines += [f"## {r['benchmark']}: {r['title']}", "", f"Ran in {r['seconds']:.0f} s.", ""]
        for note in r["notes"]:
            lines.append(f"- {note}")
        if r["notes"]:
            lines.append("")
        for heading, text in r["sections"].items():
            if text.lstrip().startswith(("-", "|", "*")) or "\n\n" in text and not text.startswith(" "):
                lines += [f"### {heading}", "", text, ""]
            else:
                lines += [f"### {heading}", "", "```", text, "```", ""]
    extra = path.parent / "ANALYSIS.md"
    if extra.exists():
        lines += [extra.read_text().strip(), ""]
    path.write_text("\n".join(lines) + "\n")
