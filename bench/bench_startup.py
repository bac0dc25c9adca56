"""Start-up and memory: `practica run` on the console adapter with every built-in plugin, as a
subprocess; stdin is a pipe carrying one "/help" line and then end of input. Measures the time to the
first output line and the child's peak RSS (os.wait4), against a bare interpreter (`python -c pass`)
measured the same way; checks with `-X importtime` that telegram and discord are never imported.

Bytecode: the headline figure is a start with Python's bytecode cache filled, as every start after the
first on a normal machine (Python writes `.pyc` files on first import). This machine sets
PYTHONDONTWRITEBYTECODE=1, so without care every start would compile the project's ~150 modules from
source (about 0.2 s); the benchmark gives the child a private cache (PYTHONPYCACHEPREFIX in a temporary
folder, writing allowed) that the first start fills. A start with no cache at all (every module, the
libraries' too, compiled from source) is the second figure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result, builtin_plugins, median

READY_TARGET = 0.5
RSS_TARGET = 40.0
CONFIG = """[practica]
database = "practica.db"
log_level = "WARNING"

[adapters.console]
member = "amina"

[communities.default]
chats = ["console:group"]
locale = "en"
timezone = "Africa/Addis_Ababa"
"""


def practica_script() -> str:
    candidate = Path(sys.executable).parent / "practica"
    return str(candidate) if candidate.exists() else ""


def peak_rss(pid: int) -> float:
    """VmHWM (peak resident set) of a running process, MB. (ru_maxrss of a child is not usable here: on
    Linux it also carries the parent's RSS from before exec.)"""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_env(cache: Path, write: bool) -> dict[str, str]:
    """The environment of a measured start: bytecode kept in `cache`, written there only if `write`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def launch(argv: list[str], stdin: bytes, cwd: str, env: dict[str, str]) -> tuple[float, float, str, int]:
    """(seconds to the first output line, peak RSS MB once it answered, all output, exit status).

    The input is written at once; end of input is sent after the first output line (after reading the
    child's peak RSS), so the bot then finishes and exits exactly as with a one-line pipe."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(stdin)
    proc.stdin.flush()
    first = proc.stdout.readline()
    first_at = time.perf_counter() - started
    try:
        rss = peak_rss(proc.pid)
    except OSError:
        rss = float("nan")
    proc.stdin.close()
    rest = proc.stdout.read()
    code = proc.wait()
    return first_at, rss, (first + rest).decode(errors="replace"), code


async def run(quick: bool) -> Result:
    result = Result("startup", "Start-up and memory: `practica run` (console adapter, every built-in plugin)")
    status = builtin_plugins()
    result.plugins = status
    runs = 3 if quick else 7
    script = practica_script()
    if not script:
        result.notes.append("FAILED: the practica script is not installed next to this interpreter")
        return result
    with tempfile.TemporaryDirectory(prefix="practica-bench-start-") as folder:
        config = Path(folder) / "plugins.toml"
        config.write_text(CONFIG)
        command = [sys.executable, script, "run", "--config", str(config)]
        warm = child_env(Path(folder) / "bytecode", write=True)
        uncached = child_env(Path(folder) / "no-bytecode", write=False)  # stays empty
        bare = [sys.executable, "-c", "import sys; print('ready', flush=True); sys.stdin.read()"]
        cold = launch(command, b"/help\n", folder, warm)  # creates the database, runs every migration, fills the cache
        launch(bare, b"", folder, warm)
        times, rss, bare_times, bare_rss, compiling = [], [], [], [], []
        for _ in range(runs):
            t, m, output, code = launch(command, b"/help\n", folder, warm)
            times.append(t)
            rss.append(m)
            bt, bm, _, _ = launch(bare, b"", folder, warm)
            bare_times.append(bt)
            bare_rss.append(bm)
            compiling.append(launch(command, b"/help\n", folder, uncached)[0])
        ready, peak = median(times), median(rss)
        result.add("start to first output line (/help answered)", ready, "s", baseline=median(bare_times),
                   baseline_label="s, bare `python -c print()`", target=f"<= {READY_TARGET:g} s", met=ready <= READY_TARGET)
        result.add("peak RSS", peak, "MB", baseline=median(bare_rss), baseline_label="MB, bare interpreter",
                   target=f"<= {RSS_TARGET:g} MB", met=peak <= RSS_TARGET)
        result.add("start with no bytecode cache (every module compiled from source)", median(compiling), "s",
                   baseline=ready, baseline_label="s, with the cache")
        result.add("first start (creates the database, runs every migration, fills the bytecode cache)", cold[0], "s")
        lines = [line for line in output.splitlines() if line.strip()]
        result.notes.append(f"{runs} interleaved passes after the first start (bot with the bytecode cache, bare interpreter, "
                            f"bot with no cache), medians; exit status {code}; the bot answered with {len(lines)} "
                            f"line(s), the first: {lines[0][:80] if lines else '(none)'!r}.")

        probe = subprocess.run([sys.executable, "-X", "importtime", script, "run", "--config", str(config)], input=b"/help\n",
                               capture_output=True, cwd=folder, env=warm)
        imported = set()
        heaviest = []
        for line in probe.stderr.decode(errors="replace").splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if not m:
                continue
            name = m.group(4)
            imported.add(name)
            if len(m.group(3)) <= 2:
                heaviest.append((int(m.group(2)), name))
        platform_libs = sorted(n for n in imported if n.split(".")[0] in ("telegram", "discord") or
                               n.startswith(("adapters.telegram", "adapters.discord")))
        ok = not platform_libs
        result.add("telegram / discord modules imported", float(len(platform_libs)), "modules", target="0 (not imported)", met=ok,
                   note=", ".join(platform_libs[:8]))
        heaviest.sort(reverse=True)
        result.sections["heaviest top-level imports of `practica run` (-X importtime, cumulative us)"] = "\n".join(
            f"{us:>9,} us  {name}" for us, name in heaviest[:15])
    return result
