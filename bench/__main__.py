"""`python -m bench [names...] [--quick]`: run benchmarks, each in its own process, and write RESULTS.md.

    python -m bench                 # everything (make bench), < 10 minutes on 2 cores
    python -m bench --quick         # a fast smoke run (small sizes, few passes)
    python -m bench telegram core   # only these
    python -m bench --no-write      # do not rewrite bench/RESULTS.md
    python -m bench workers --merge # put only these figures into bench/RESULTS.md (the rest stays)

Each benchmark runs in a fresh interpreter (`python -m bench.run_one NAME`), so imports, memory and
caches of one never affect another; it prints its figures and hands back JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import ROOT, machine
from bench.report import merge_report, write_report

BENCHMARKS = ("telegram", "discord", "core", "commands", "search", "scheduler", "startup", "pipeline", "dashboard", "scaling",
              "workers")
PER_BENCH_TIMEOUT = 300
STOP_GRACE = 30  # seconds a timed-out benchmark has to stop its processes and servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes and few passes (smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write bench/RESULTS.md")
    parser.add_argument("--merge", action="store_true",
                        help="replace only the named benchmarks' figures and sections in the existing RESULTS.md")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    if args.merge and (args.quick or args.no_write or not args.names or not Path(args.output).exists()):
        parser.error("--merge needs benchmark names, an existing output file, and neither --quick nor --no-write")
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    started = time.perf_counter()
    results = []
    for name in names:
        print(f"== {name}", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            path = Path(out.name)
        command = [sys.executable, "-m", "bench.run_one", name, str(path)] + (["--quick"] if args.quick else [])
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT)
        try:
            proc.wait(timeout=PER_BENCH_TIMEOUT)
            ok = proc.returncode == 0
            error = "" if ok else f"exit status {proc.returncode}"
        except subprocess.TimeoutExpired:  # SIGTERM first: a benchmark's own cleanup stops what it started
            proc.terminate()
            try:
                proc.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            ok, error = False, f"timed out after {PER_BENCH_TIMEOUT} s"
        data = None
        if ok:
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                ok, error = False, f"no result ({exc})"
        path.unlink(missing_ok=True)
        if data is None:
            data = {"benchmark": name, "title": name, "figures": [], "notes": [f"FAILED: {error}"], "sections": {},
                    "plugins": {}, "seconds": 0.0}
        data["seconds"] = time.perf_counter() - t0
        results.append(data)
        print(f"   ({data['seconds']:.1f} s)", flush=True)
    total = time.perf_counter() - started
    print(f"total {total:.1f} s", flush=True)
    if args.merge:
        good = [r for r in results if not (r["notes"] and str(r["notes"][0]).startswith("FAILED"))]
        for r in results:
            if r not in good:
                print(f"not merged (failed): {r['benchmark']}")
        if good:
            merge_report(Path(args.output), good, when=datetime.now(timezone.utc))
            print(f"merged {', '.join(r['benchmark'] for r in good)} into {args.output}")
    elif not args.no_write:
        write_report(Path(args.output), results, machine(), quick=args.quick, total=total,
                     when=datetime.now(timezone.utc), partial=bool(args.names))
        print(f"wrote {args.output}")
    return 0 if all(not r["notes"] or not str(r["notes"][0]).startswith("FAILED") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
