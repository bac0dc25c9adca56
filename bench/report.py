"""Writes bench/RESULTS.md from the benchmarks' results."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import fmt

HOW = """## How to reproduce

From the repository root: `make bench` (or `.venv/bin/python -m bench`) runs every benchmark, each in
its own fresh interpreter, and rewrites this file; it takes about ten minutes on 2 cores.
`python -m bench telegram` runs one (names: telegram, discord, core, commands, search, scheduler,
startup, pipeline, dashboard, scaling, workers), `--quick` is a smoke run with small sizes, `--no-write` only prints, and
`--merge` puts the figures of the ones named into this file in place of their old ones. Nothing touches the
network: Telegram updates are parsed by python-telegram-bot's `Update.de_json`, Discord payloads by
discord.py's own `ConnectionState` parser with a prepared guild, and replies are captured in memory by a
capturing adapter behind practica's real outbox. Every figure is a median over several passes after a
warm-up, and every comparison is a ratio against a baseline measured in the same process and run,
with passes of the two sides interleaved (the machine is noisy: compare ratios, not absolute figures,
across machines). Built-in plugins that do not import (being written) are left out and listed below.
The one benchmark of real processes, `workers`, runs `practica run` against a local fake Telegram Bot API
and a throwaway PostgreSQL server (see its section).
"""


def _met(value: Any) -> str:
    return "" if value is None else ("met" if value else "**missed**")


def _figure_rows(r: dict[str, Any]) -> list[str]:
    """One benchmark's rows of the figures table."""
    lines = []
    for f in r["figures"]:
        baseline = f"{fmt(f['baseline'])} {f['baseline_label']}" if f["baseline"] is not None else ""
        ratio = f"{f['ratio']:.2f}x" if f["ratio"] is not None else ""
        lines.append(f"| {r['benchmark']} | {f['name']} | {fmt(f['value'])} {f['unit']} | {baseline} | {ratio} | "
                     f"{f['target']} | {_met(f['met'])} |")
    if not r["figures"]:
        lines.append(f"| {r['benchmark']} | (no figures: {'; '.join(r['notes'])}) | | | | | |")
    return lines


def _section(r: dict[str, Any]) -> list[str]:
    """One benchmark's section: its heading, run time, notes and preformatted parts."""
    lines = [f"## {r['benchmark']}: {r['title']}", "", f"Ran in {r['seconds']:.0f} s.", ""]
    for note in r["notes"]:
        lines.append(f"- {note}")
    if r["notes"]:
        lines.append("")
    for heading, text in r["sections"].items():
        if text.lstrip().startswith(("-", "|", "*")) or "\n\n" in text and not text.startswith(" "):
            lines += [f"### {heading}", "", text, ""]
        else:
            lines += [f"### {heading}", "", "```", text, "```", ""]
    return lines


def _analysis(path: Path) -> list[str]:
    extra = path.parent / "ANALYSIS.md"
    return [extra.read_text().strip(), ""] if extra.exists() else []


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
    plugins: dict[str, str] = next((r["plugins"] for r in results if r.get("plugins")), {})
    if plugins:
        lines.append("- Built-in plugins: " + "; ".join(f"{k}: {v}" for k, v in plugins.items()))
    lines += ["", "## Figures", "",
              "| benchmark | figure | value | baseline (same run) | ratio | target | met |",
              "|---|---|---:|---|---:|---|---|"]
    for r in results:
        lines += _figure_rows(r)
    lines.append("")
    for r in results:
        lines += _section(r)
    lines += _analysis(path)
    path.write_text("\n".join(lines) + "\n")


_MERGED = re.compile(r"^- Merged later \(`python -m bench (?P<names>[^`]*) --merge`\): (?P<runs>.*) at (?P<when>.*)$")


def _merged_without(line: str, names: set[str]) -> str | None:
    """A "Merged later" line of the machine section without the benchmarks merged now (their figures
    are replaced), or None when it named only those; any other line as it is."""
    found = _MERGED.match(line)
    if found is None:
        return line
    left = [name for name in found["names"].split() if name not in names]
    if not left:
        return None
    runs = [run for run in found["runs"].split(", ") if run.split(" (", 1)[0] not in names]
    return f"- Merged later (`python -m bench {' '.join(left)} --merge`): {', '.join(runs)} at {found['when']}"


def merge_report(path: Path, results: list[dict[str, Any]], *, when: datetime) -> None:
    """Put these benchmarks' rows and sections into an existing full report, leaving every other
    benchmark's figures as they were (`python -m bench NAME --merge`): a re-run of one benchmark without
    the full run. Its rows replace the old ones (or end the table), its section replaces the old one (or
    comes before the hand-written analysis), the how-to and the analysis are brought up to date, and the
    machine section says what was merged when."""
    lines = path.read_text().splitlines()
    names = {r["benchmark"] for r in results}
    how = HOW.strip().splitlines()
    if how[0] in lines:  # the how-to, up to the next heading
        start = lines.index(how[0])
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
        lines[start:end] = how + [""]
    merged = f"- Merged later (`python -m bench {' '.join(sorted(names))} --merge`): " + ", ".join(
        f"{r['benchmark']} ({r['seconds']:.0f} s)" for r in results) + f" at {when:%Y-%m-%d %H:%M} UTC"
    machine = lines.index("## Machine and versions")
    figures = lines.index("## Figures")
    kept = [line for line in (_merged_without(line, names) for line in lines[machine:figures]) if line is not None]
    while kept and not kept[-1]:
        kept.pop()
    lines[machine:figures] = kept + [merged, ""]
    figures = lines.index("## Figures")
    table_end = next(i for i in range(figures + 4, len(lines) + 1) if i == len(lines) or not lines[i].startswith("|"))
    rows = lines[figures + 4:table_end]
    out_rows: list[str] = []
    placed: set[str] = set()
    for row in rows:
        owner = row.split("|")[1].strip()
        if owner in names:
            if owner not in placed:
                out_rows += _figure_rows(next(r for r in results if r["benchmark"] == owner))
                placed.add(owner)
            continue
        out_rows.append(row)
    for r in results:
        if r["benchmark"] not in placed:
            out_rows += _figure_rows(r)
    lines[figures + 4:table_end] = out_rows
    analysis = _analysis(path)
    first = analysis[0].splitlines()[0] if analysis else None
    cut = lines.index(first) if first in lines else len(lines)
    body, lines = lines[:cut], lines[cut:]
    for r in results:
        heading = f"## {r['benchmark']}: "
        at = next((i for i, line in enumerate(body) if line.startswith(heading)), None)
        if at is None:
            while body and not body[-1]:
                body.pop()
            body += [""] + _section(r)
            continue
        end = next((i for i in range(at + 1, len(body)) if body[i].startswith("## ")), len(body))
        body[at:end] = _section(r)
    while body and not body[-1]:
        body.pop()
    path.write_text("\n".join(body + [""] + analysis) + "\n")
