"""Run one benchmark in this process: `python -m bench.run_one NAME[:FUNCTION] OUT.json [--quick]` (FUNCTION: a
benchmark module's other entry point, `run` by default)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import signal
import sys
import time


def main() -> int:
    # SIGTERM (the runner's timeout) raises KeyboardInterrupt: the benchmark's `finally` blocks then stop
    # the processes and servers it started, which a SIGKILL would leave behind.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    target, out = sys.argv[1], sys.argv[2]
    name, _, function = target.partition(":")
    quick = "--quick" in sys.argv[3:]
    logging.basicConfig(level=logging.CRITICAL)  # plugin warnings would only add I/O to the timings
    logging.getLogger("practica").setLevel(logging.CRITICAL)
    module = importlib.import_module(f"bench.bench_{name}")
    entry = getattr(module, function or "run", None)
    if not callable(entry):
        print(f"bench_{name} has no entry point {function!r}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = asyncio.run(entry(quick))
    result.seconds = time.perf_counter() - started
    with open(out, "w") as f:
        json.dump(result.to_json(), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
