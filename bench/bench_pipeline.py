"""What the durable pipeline (#14: inbox, one transaction per event, durable outbox) costs on the
Telegram path, next to the in-memory pipeline it replaced.

The code before the change (commit BEFORE) is exported into bench/.work/ and its own Telegram
benchmark runs there, alternating with today's, each in a fresh interpreter. Each run measures raw
python-telegram-bot in the same process as its practica figure, so runs are compared by their ratio to
raw PTB (machine noise cancels out), and the durable pipeline's extra cost is the difference of the
per-update costs beyond parsing. Replies are one update in ten (the /help and /whoami commands of the
stream), which gives the cost per reply.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, Result, median

BEFORE = "13dc7e7"  # the last commit with the in-memory inbox and outbox
RUNS = 3
REPLY_SHARE = 0.10  # the stream's commands: each gets one reply


def _tree() -> Path:
    tree = ROOT / "bench" / ".work" / f"before-{BEFORE}"
    if not (tree / "core").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", BEFORE], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


# The figures of the Telegram benchmark for the same (old) stream: the names changed when the realistic
# stream became its main figure (#19); the tree before the durable pipeline still has the first ones.
_NAMES = {"before": ("updates/s, practica + five plugins (default settings)", "practica per-update cost beyond parsing (defaults)"),
          "now": ("updates/s, old stream (/help and /whoami only, flood control off)",
                  "old stream: practica per-update cost beyond parsing")}


def _telegram(tree: Path, quick: bool, names: tuple[str, str], entry: str = "telegram") -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, "-m", "bench.run_one", entry, out.name, *(["--quick"] if quick else [])],
                       cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, check=True,
                       stdout=subprocess.DEVNULL)
        figures = json.loads(Path(out.name).read_text())["figures"]
    by_name = {f["name"]: f for f in figures}
    main = by_name[names[0]]
    return {"rate": main["value"], "raw": main["baseline"], "beyond": by_name[names[1]]["value"]}


async def run(quick: bool) -> Result:
    result = Result("pipeline", "Durable pipeline vs the in-memory one it replaced (Telegram path, five plugins)")
    before_tree = _tree()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    for _ in range(1 if quick else RUNS):  # alternate: before, now, before, now...
        runs["before"].append(_telegram(before_tree, quick, _NAMES["before"]))
        # today's tree measures the old stream alone (its whole benchmark would take a minute more per run)
        runs["now"].append(_telegram(ROOT, quick, _NAMES["now"], "telegram:run_old_stream"))
    ratio = {k: median(r["rate"] / r["raw"] for r in v) for k, v in runs.items()}
    beyond = {k: median(r["beyond"] for r in v) for k, v in runs.items()}
    result.add("throughput ratio to raw PTB, durable pipeline", ratio["now"], "x", baseline=ratio["before"],
               baseline_label="x, in-memory pipeline (before)", target=">= 0.9x of before", met=ratio["now"] / ratio["before"] >= 0.9)
    result.add("practica cost per update beyond parsing, durable", beyond["now"], "us/update", baseline=beyond["before"],
               baseline_label="us/update, in-memory (before)")
    result.add("extra cost of durability per reply", (beyond["now"] - beyond["before"]) / REPLY_SHARE, "us/reply")
    result.notes.append(f"{'1 run' if quick else f'{RUNS} alternating runs'} in each tree (before = commit {BEFORE}: its "
                        f"whole `bench telegram`; now: `bench_telegram.run_old_stream`, that stream's passes alone, one "
                        f"runtime in the process), on the stream both know (the old one: /help and /whoami, flood control off); "
                        f"medians of the per-run ratios to raw PTB measured in the same process. 'Now' is practica's "
                        f"whole Telegram path today: the durable pipeline, and plain text messages converted from their "
                        f"JSON instead of PTB's de_json, which is why it can pass 'before'; the costs beyond parsing "
                        f"leave parsing out on both sides. The per-reply figure charges the whole per-update "
                        f"difference to the replies (one update in ten), so it also includes storing every inbound update.")
    return result
