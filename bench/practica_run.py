"""`python -m bench.practica_run run --config FILE`: the `practica run` of bench workers (bench.bench_workers).

It is practica's own command line (core.cli) with two changes a benchmark needs:

- Telegram's sending budgets are off (1 message a second per chat, 20 a minute per group, 30 a second
  in all): the local fake Bot API never rate-limits, and with the budgets on every pass would measure
  the budgets (a burst's replies spread over minutes), not the workers. Every in-process benchmark
  turns them off the same way (`runtime.outbox.budgets = {}`).
- The process dies with the benchmark that started it (Linux `PR_SET_PDEATHSIG`), so a benchmark
  killed by its runner's timeout leaves no `practica run` behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PARENT_VARIABLE = "PRACTICA_BENCH_PARENT"  # the benchmark's pid, set by the benchmark


def _die_with_parent() -> None:
    parent = int(os.environ.get(PARENT_VARIABLE) or os.getppid())
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the benchmark's own cleanup still stops it
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def main() -> int:
    _die_with_parent()
    from adapters.telegram.adapter import TelegramAdapter
    from core.adapter import Budget

    TelegramAdapter.budget = Budget()  # what the outbox reads when the runtime builds it
    from core.cli import main as cli

    return cli(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
