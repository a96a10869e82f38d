"""Benchmark: the memory `standing backtest` needs as its events file grows.

A year of a large marketplace's events (120M lines, ~30 GB) has to run on a laptop, so the memory of a backtest
must not grow with the file: each process holds one share of partners (at most BUCKET_LINES lines) and no process
the whole file. This runs the real command (`standing backtest`, in a process of its own) on generated files of
growing size, with BUCKET_LINES set low so that the shares stay the same size while the file grows, and samples the
resident memory of the command's processes (its own and its pool's, from /proc) every 20 ms. It prints, per file:
lines, MB, the peak of all the processes together and of the largest one, and the wall time.

    .venv/bin/python bench/backtest_memory.py [--partners 50] [--sizes 1,4,8] [--bucket 50000] [--workers 2]

--partners: partners per program in the smallest file (files of size k hold k times as many partners);
--bucket: BUCKET_LINES for the command (lines per share, at most about).
The last line is machine-readable: the files' lines and the peaks (MB) of the processes together.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]  # this checkout's code, wherever the venv points

from backtest import marketplace  # noqa: E402  (bench/backtest.py)

from standing.rules import PROGRAMS_DIR  # noqa: E402

PROGRAM = "tiki-trusted-store"  # the densest partners: the most state kept per line
_RUN = """
import sys
sys.path[:0] = {paths!r}
import standing_local.backtest.run as run
run.BUCKET_LINES = {bucket}
from standing_local.cli import main
sys.exit(main({argv!r}))
"""


def write_events(path: Path, partners: int) -> int:
    """The backtest bench's generated marketplace (bench/backtest.py), `partners` of each kind, as an events file."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for event in marketplace(dict.fromkeys(("kkday", "booking_property", "booking_rides", "tiki"), partners)):
            handle.write(json.dumps(event) + "\n")
            count += 1
    return count


def resident_kb(pid: int) -> int:
    """The process's resident memory; 0 once it has ended."""
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tree(pid: int) -> list[int]:
    """The process and its descendants (from each /proc/PID/stat's parent)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def measure(events: Path, out: Path, bucket: int, workers: int) -> tuple[float, float, float]:
    """(peak MB of the processes together, peak MB of the largest, wall s) of one `standing backtest`."""
    argv = ["backtest", "--program", str(PROGRAMS_DIR / f"{PROGRAM}.yaml"), "--events", str(events),
            "--from", "2024-06-01", "--to", "2024-11-05", "--out", str(out), "--workers", str(workers)]  # fmt: skip
    code = _RUN.format(paths=[str(ROOT), str(ROOT / "layers" / "common")], bucket=bucket, argv=argv)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
    together = largest = 0
    while process.poll() is None:
        sizes = [resident_kb(pid) for pid in tree(process.pid)]
        together, largest = max(together, sum(sizes)), max(largest, max(sizes, default=0))
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit(f"standing backtest exited with {process.returncode}")
    return together / 1024, largest / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=50, help="partners per program in the smallest file")
    parser.add_argument("--sizes", default="1,4,8", help="the files' sizes, in multiples of the smallest")
    parser.add_argument("--bucket", type=int, default=50_000, help="BUCKET_LINES: lines per share, at most")
    parser.add_argument("--workers", type=int, default=2, help="processes")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"`standing backtest --program {PROGRAM}` on {args.workers} process(es), BUCKET_LINES={args.bucket:,}; "
          f"resident memory of its processes, sampled every 20 ms")  # fmt: skip
    print()
    print("| lines | file MB | shares | peak MB, all processes | peak MB, largest process | wall s |")
    print("|---|---|---|---|---|---|")
    figures = []
    with tempfile.TemporaryDirectory(prefix="standing-bench-") as directory:
        for size in sizes:
            events = Path(directory) / f"events-{size}.jsonl"
            lines = write_events(events, args.partners * size)
            together, largest, wall = measure(events, Path(directory) / f"out-{size}", args.bucket, args.workers)
            shares = max(args.workers, -(-lines // args.bucket))
            mb = os.path.getsize(events) / 1e6
            print(f"| {lines:,} | {mb:,.0f} | {shares} | {together:,.0f} | {largest:,.0f} | {wall:.1f} |")
            figures.append((lines, together))
            events.unlink()
    print()
    print(" ".join(f"lines={lines} peak_mb={together:.0f}" for lines, together in figures))


if __name__ == "__main__":
    main()
