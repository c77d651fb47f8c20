"""Time the 督办看板 (supervision board) with 50,000 open items.

A SQLite file in a temporary folder gets 50,000 open obligations of every rule over 20
units and 200 people, triggered from a year ago to two months ahead. Another 5,000 closed
ones feed the on-time chart. All are written with bulk inserts. Each scenario signs a user in,
opens the board through app.py in AppTest and times further reruns: app.py, the page, its
queries (due times computed on read) and the element tree, which is what a user waits for
after touching a filter. A second table times the planner calls alone. Results go to
docs/benchmarks.md between this module's markers.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine, insert
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from bench.pages import point_app_at
from planner import deadlines as rules
from planner.models import Obligation, ObligationStatus, Role, RoleAssignment, Unit, User
from planner.services import deadlines
from planner.timeutil import now_utc

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
RESULTS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:board:begin -->", "<!-- bench:board:end -->"
HEADING = "## Pages: 督办看板 with 50,000 open items"
TARGET_SECONDS = 0.3
OPEN_ITEMS = 50_000
CLOSED_ITEMS = 5_000
UNITS = 20
PEOPLE_PER_UNIT = 10
BATCH = 10_000
DEFAULT_RUNS = 15
ENTITIES = {rules.NORMATIVE_ONLINE: "policy", rules.INTERPRETATION_SYNC: "policy",
            rules.ACTIVITY_INFO: "press_event", rules.INTERVIEW_PREVIEW: "press_event",
            rules.TRANSCRIPT: "press_event", rules.INTERVIEW_ANSWER: "interview_question",
            rules.OPINION_ORDINARY: "opinion_item", rules.OPINION_MAJOR_INFO: "opinion_item",
            rules.OPINION_MAJOR_CONFERENCE: "opinion_item",
            rules.MEETING_ACTION: "meeting_action"}


@dataclass
class BenchData:
    unit_ids: list[int]
    people: list[int]
    office_user: int
    counts: dict[str, int]


def build(engine: Engine, *, open_items: int = OPEN_ITEMS, closed_items: int = CLOSED_ITEMS,
          seed: int = 11) -> BenchData:
    """Fill a freshly migrated, empty database; return who is who."""
    rng = random.Random(seed)
    now = now_utc()
    with Session(engine) as session:
        unit_ids, people, office_user = _people(session)

    rows = [_item(number, rng, now, unit_ids, people, closed=number > open_items)
            for number in range(1, open_items + closed_items + 1)]
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(Obligation), rows[start:start + BATCH])
    return BenchData(unit_ids=unit_ids, people=people, office_user=office_user,
                     counts={"open items": open_items, "closed items": closed_items})


def _people(session: Session) -> tuple[list[int], list[int], int]:
    unit_ids, people = [], []
    for number in range(1, UNITS + 1):
        unit = Unit(name=f"承办单位{number:02d}")
        session.add(unit)
        session.flush()
        unit_ids.append(unit.id)
        people += [_user(session, f"u{number:02d}p{n}", unit.id, Role.DRAFTER)
                   for n in range(PEOPLE_PER_UNIT)]
    office = Unit(name="厅办公室")
    session.add(office)
    session.flush()
    office_user = _user(session, "office", office.id, Role.GENERAL_OFFICE)
    session.commit()
    return unit_ids, people, office_user


def _user(session: Session, username: str, unit_id: int, role: Role) -> int:
    user = User(username=username, display_name=f"用户{username}", unit_id=unit_id)
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, unit_id=unit_id, role=role))
    return user.id


def _item(number: int, rng: random.Random, now: datetime, unit_ids: list[int],
          people: list[int], closed: bool) -> dict:
    rule_key = rng.choice(list(rules.RULES))
    trigger = now + timedelta(minutes=rng.randint(-365 * 24 * 60, 60 * 24 * 60))
    owner = rng.choice(people) if rng.random() > 0.05 else None      # a few without owner
    row = {"rule_key": rule_key, "entity": ENTITIES[rule_key], "entity_id": number,
           "title": f"第{number}号督办事项", "trigger_at": trigger,
           "fixed_due_at": trigger + timedelta(days=rng.randint(1, 30))
           if rule_key == rules.MEETING_ACTION else None,
           "unit_id": rng.choice(unit_ids), "owner_id": owner,
           "status": ObligationStatus.DONE if closed else ObligationStatus.OPEN,
           "completed_at": trigger + timedelta(hours=rng.randint(1, 200)) if closed else None,
           "created_at": trigger, "updated_at": trigger}
    return row


# --- timing ------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    user_id: int
    widget: tuple[str, object] | None = None    # (selectbox key, value) set before timing


def scenarios(data: BenchData) -> list[Scenario]:
    return [
        Scenario("督办看板, no filter (厅办公室)", data.office_user),
        Scenario("督办看板, one unit", data.office_user, ("board_unit", data.unit_ids[0])),
        Scenario("督办看板, one person", data.office_user, ("board_person", data.people[0])),
        Scenario("督办看板, one kind (规范性文件)", data.office_user,
                 ("board_kind", rules.NORMATIVE_ONLINE)),
    ]


@dataclass
class Timings:
    wall: list[float]       # seconds per rerun, as the user waits
    cpu: list[float]        # CPU seconds of this process per rerun, all threads


def time_reruns(scenario: Scenario, runs: int) -> Timings:
    """Wall-clock and CPU seconds of each rerun of app.py with the board open."""
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state["user_id"] = scenario.user_id
    app.run()
    app.switch_page("views/board.py").run()
    if scenario.widget is not None:
        key, value = scenario.widget
        app.selectbox(key=key).set_value(value).run()
    _check_rendered(app, scenario.name)

    timings = Timings(wall=[], cpu=[])
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        app.run()
        timings.wall.append(time.perf_counter() - wall)
        timings.cpu.append(time.process_time() - cpu)
    _check_rendered(app, scenario.name)
    return timings


def _check_rendered(app: AppTest, name: str) -> None:
    # An error page renders fast, so a failure must stop the benchmark, not flatter it.
    problems = [element.value for element in [*app.exception, *app.error]]
    if problems or not app.metric:
        raise SystemExit(f"{name}: the board did not render: {problems}")


def planner_timings(engine: Engine, runs: int) -> dict[str, list[float]]:
    """Time the planner calls behind the page, without Streamlit."""
    figures: dict[str, list[float]] = {"board (counts and lists)": [], "on-time rates": [],
                                       "digests for `remind`": []}
    calls = {"board (counts and lists)": lambda s: deadlines.board(s, now=now_utc()),
             "on-time rates": lambda s: deadlines.on_time_rates(s, now=now_utc()),
             "digests for `remind`": lambda s: deadlines.digests(s, now=now_utc())}
    with Session(engine) as session:
        for name, call in calls.items():
            call(session)    # warm-up
            for _ in range(runs):
                started = time.perf_counter()
                call(session)
                figures[name].append(time.perf_counter() - started)
    return figures


# --- reporting ---------------------------------------------------------------------------

def render_table(data: BenchData, rows: list[tuple[str, Timings]],
                 calls: dict[str, list[float]], build_s: float) -> str:
    counts = ", ".join(f"{value:,} {name}" for name, value in data.counts.items())
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, SQLite (WAL): {counts} of all "
        f"{len(rules.RULES)} rules in {len(data.unit_ids)} units and {len(data.people)} "
        f"people (built in {build_s:.0f} s). Wall-clock time of one rerun of app.py with the "
        f"board open, in AppTest, after a warm-up run; due times are computed on read. "
        f"Target {TARGET_SECONDS * 1000:.0f} ms. The CPU column is the process's CPU time "
        f"over the same rerun, which other load on the machine changes less; the 1-minute "
        f"load average was {os.getloadavg()[0]:.1f} when the table was written.",
        "",
        "| scenario | median (ms) | slowest (ms) | median CPU (ms) | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {statistics.median(t.wall) * 1000:.0f} | {max(t.wall) * 1000:.0f} | "
              f"{statistics.median(t.cpu) * 1000:.0f} | {len(t.wall)} |" for name, t in rows]
    lines += ["", "| planner call alone | median (ms) | slowest (ms) | runs |",
              "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {statistics.median(t) * 1000:.0f} | {max(t) * 1000:.0f} | {len(t)} |"
              for name, t in calls.items()]
    return "\n".join(lines)


def write_results(table: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + f"\n\n{HEADING}\n\n" + block + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


def run(runs: int, write: bool) -> int:
    """Build the database, time every scenario, print (and record) the table.

    Returns 1 when a median rerun is over the target, else 0.
    """
    with tempfile.TemporaryDirectory(prefix="planner-bench-board-") as folder:
        engine = point_app_at(f"sqlite:///{Path(folder) / 'bench.db'}", folder)
        started = time.perf_counter()
        data = build(engine)
        build_s = time.perf_counter() - started

        rows = [(scenario.name, time_reruns(scenario, runs)) for scenario in scenarios(data)]
        calls = planner_timings(engine, runs)
        engine.dispose()
        st.cache_resource.clear()

    table = render_table(data, rows, calls, build_s)
    print(table)
    if write:
        write_results(table)

    slow = [name for name, timings in rows if statistics.median(timings.wall) > TARGET_SECONDS]
    for name in slow:
        print(f"over target: {name}", file=sys.stderr)
    return 1 if slow else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.board")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed reruns per scenario")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    return run(args.runs, not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
