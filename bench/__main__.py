"""Time parse, prefill and Word export for every policy file; record the figures.

`python -m bench` also runs bench/pages.py (page reruns on a large database),
bench/opinions.py (the 政务舆情 register and the 日程 page), bench/board.py (the
督办看板 with 50,000 open items), bench/library.py (the 答问口径库 searched over
20,000 answers) and bench/events.py (the 新闻发布活动 page with 20,000 events); --only
picks one.

CPU time (time.process_time) of one process on one core, the median of several runs
after one warm-up run. Results go to docs/benchmarks.md between this script's markers.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from planner.documents.parsing import parse_policy_file
from planner.documents.prefill import build_interpretation, build_qa
from planner.documents.word import render_docx

ROOT = Path(__file__).resolve().parent.parent
SHARED_POLICIES = ROOT.parent / "shared" / "data" / "policies"
FIXTURE_POLICIES = ROOT / "tests" / "fixtures"
RESULTS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:documents:begin -->", "<!-- bench:documents:end -->"
TARGET_SECONDS = 0.5   # import to both Word files, Sichuan opinions, one core


def cpu_median(action: Callable[[], object], runs: int) -> float:
    action()   # warm-up: template loading and regex compilation are paid once per process
    timings = []
    for _ in range(runs):
        started = time.process_time()
        action()
        timings.append(time.process_time() - started)
    return statistics.median(timings)


def measure(path: Path, runs: int) -> dict[str, float]:
    data = path.read_bytes()
    parsed = parse_policy_file(path.name, data)
    interpretation, qa = build_interpretation(parsed), build_qa(parsed)

    figures = {
        "parse": cpu_median(lambda: parse_policy_file(path.name, data), runs),
        "prefill": cpu_median(lambda: (build_interpretation(parsed), build_qa(parsed)), runs),
        "export": cpu_median(lambda: (render_docx(interpretation), render_docx(qa)), runs),
    }
    figures["total"] = cpu_median(lambda: _import_to_word(path.name, data), runs)
    return figures


def _import_to_word(name: str, data: bytes) -> None:
    parsed = parse_policy_file(name, data)
    render_docx(build_interpretation(parsed))
    render_docx(build_qa(parsed))


def policy_files() -> list[Path]:
    folder = SHARED_POLICIES if SHARED_POLICIES.is_dir() else FIXTURE_POLICIES
    return sorted(p for p in folder.glob("*.txt") if not p.name.startswith("J"))


def render_table(rows: list[tuple[str, dict[str, float]]], runs: int) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; CPU seconds of one "
        f"process (time.process_time), median of {runs} runs after a warm-up run.",
        "",
        "| policy file | parse (ms) | prefill both (ms) | export both (ms) | import → both Word files (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, f in rows:
        lines.append(f"| {name} | {f['parse'] * 1000:.1f} | {f['prefill'] * 1000:.1f} | "
                     f"{f['export'] * 1000:.1f} | {f['total'] * 1000:.1f} |")
    return "\n".join(lines)


def write_results(table: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Documents: parse, prefill, Word export\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--only", choices=["documents", "pages", "opinions", "board",
                                           "library", "events"],
                        help="run one benchmark instead of all")
    args = parser.parse_args()

    status = 0
    if args.only in (None, "documents"):
        status |= bench_documents(args.runs, not args.no_write)
    if args.only in (None, "pages"):
        from bench import pages   # imports streamlit's AppTest, only needed here

        status |= pages.run(pages.DEFAULT_RUNS, not args.no_write)
    if args.only in (None, "opinions"):
        from bench import opinions   # the register and calendar pages, AppTest too

        status |= opinions.run(opinions.DEFAULT_RUNS, not args.no_write)
    if args.only in (None, "board"):
        from bench import board   # the supervision board with 50,000 open items, AppTest too

        status |= board.run(board.DEFAULT_RUNS, not args.no_write)
    if args.only in (None, "library"):
        from bench import library   # the 答问口径库 page over 20,000 answers, AppTest too

        status |= library.run(library.DEFAULT_RUNS, not args.no_write)
    if args.only in (None, "events"):
        from bench import events   # the 新闻发布活动 page with 20,000 events, AppTest too

        status |= events.run(events.DEFAULT_RUNS, not args.no_write)
    return status


def bench_documents(runs: int, write: bool) -> int:
    rows = [(path.name, measure(path, runs)) for path in policy_files()]
    table = render_table(rows, runs)
    print(table)
    if write:
        write_results(table)

    sichuan = dict(rows).get("sichuan-transport-2014-disclosure-opinions.txt")
    if sichuan and sichuan["total"] > TARGET_SECONDS:
        print(f"over target: {sichuan['total']:.3f} s > {TARGET_SECONDS} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
