"""Time the 政务舆情 register with 100,000 items and the 日程 page with 5,000 entries.

A SQLite file in a temporary folder gets 100,000 opinion items over the past year (most
of them forwarded to one of 20 units), and 4,000 press events plus 1,000 joint meetings
with five attendees each over the six months around today, all written with bulk
inserts. Each page scenario signs a user in, opens the page through app.py in AppTest
and times further reruns (bench.pages.time_reruns), which is what a user waits for after
touching a filter. A second table times the planner calls alone, among them the .ics
export of all 5,000 entries. Results go to docs/benchmarks.md between this module's
markers.
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
from datetime import timedelta
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine, insert
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from bench.pages import Scenario, Timings, point_app_at, time_once, time_reruns
from planner.models import (EventKind, EventStatus, Meeting, MeetingAttendee, MeetingStatus,
                            OpinionItem, OpinionSeverity, OpinionSource, OpinionStatus,
                            OpinionUnit, PressEvent, Role, RoleAssignment, Unit, User)
from planner.services import opinions, schedule
from planner.timeutil import now_utc, to_office

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:opinions:begin -->", "<!-- bench:opinions:end -->"
HEADING = "## Pages: 政务舆情 register (100,000 items) and 日程 (5,000 entries)"
PAGE_TARGET_SECONDS = 0.3
EXPORT_TARGET_SECONDS = 2.0
ITEMS = 100_000
EVENTS, MEETINGS, ATTENDEES = 4_000, 1_000, 5
UNITS = 20
BATCH = 10_000
DEFAULT_RUNS = 15
CALENDAR_DAYS = 182      # entries spread over the half year around today

STATUS_WEIGHTS = {OpinionStatus.NEW: 5, OpinionStatus.ASSESSING: 5,
                  OpinionStatus.FORWARDED: 10, OpinionStatus.RESPONDING: 10,
                  OpinionStatus.RESPONDED: 20, OpinionStatus.ARCHIVED: 50}
SEVERITY_WEIGHTS = {OpinionSeverity.ORDINARY: 80, OpinionSeverity.SERIOUS: 15,
                    OpinionSeverity.MAJOR: 4, OpinionSeverity.CRITICAL: 1}
NOT_FORWARDED = {OpinionStatus.NEW, OpinionStatus.ASSESSING}
TOPICS = ["出租车拒载", "高速收费", "网约车抽成", "道路施工占道", "公交线路调整", "驾培收费",
          "货车超限检测", "客运站春运保障"]


@dataclass
class BenchData:
    office_user: int
    unit_user: int          # a 承办人员 of the first unit: views only forwarded items
    spokesperson: str       # a name on many events and meetings
    counts: dict[str, int]


# --- building the database ---------------------------------------------------------------

def build(engine: Engine, seed: int = 11) -> BenchData:
    rng = random.Random(seed)
    with Session(engine) as session:
        unit_ids, office_user, unit_user, names = _people(session)

    now = now_utc()
    with engine.begin() as connection:
        _items(connection, unit_ids, rng, now)
        _events(connection, names, rng, now)
        _meetings(connection, unit_ids, names, rng, now)
    return BenchData(office_user=office_user, unit_user=unit_user, spokesperson=names[0],
                     counts={"opinion items": ITEMS, "press events": EVENTS,
                             "meetings": MEETINGS})


def _people(session: Session) -> tuple[list[int], int, int, list[str]]:
    units = [Unit(name=f"承办单位{n:02d}") for n in range(1, UNITS + 1)]
    office = Unit(name="厅办公室")
    session.add_all([*units, office])
    session.flush()
    names = [f"发言人{n:02d}" for n in range(1, 41)]
    for n, name in enumerate(names):
        _user(session, f"s{n:02d}", name, units[n % UNITS].id, Role.SPOKESPERSON)
    office_user = _user(session, "office", "办公室用户", office.id, Role.GENERAL_OFFICE)
    unit_user = _user(session, "drafter", "承办人员甲", units[0].id, Role.DRAFTER)
    session.commit()
    return [unit.id for unit in units], office_user, unit_user, names


def _user(session: Session, username: str, name: str, unit_id: int, role: Role) -> int:
    user = User(username=username, display_name=name, unit_id=unit_id)
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, unit_id=unit_id, role=role))
    return user.id


def _items(connection, unit_ids: list[int], rng: random.Random, now) -> None:
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    severities, severity_weights = list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values())
    items, links = [], []
    for item_id in range(1, ITEMS + 1):
        status = rng.choices(statuses, status_weights)[0]
        seen = now - timedelta(minutes=rng.randint(10, 365 * 24 * 60))
        lead = None if status in NOT_FORWARDED else rng.choice(unit_ids)
        items.append({"id": item_id, "source": rng.choice(list(OpinionSource)),
                      "source_detail": "", "link": f"https://weibo.example.cn/{item_id}",
                      "link_key": opinions.link_key(f"https://weibo.example.cn/{item_id}"),
                      "first_seen_at": seen, "category": rng.choice(TOPICS),
                      "summary": f"网民反映{rng.choice(TOPICS)}问题（第{item_id}条）",
                      "severity": rng.choices(severities, severity_weights)[0],
                      "status": status, "nature": "", "trend": "", "risk": "",
                      "assessment": "", "lead_unit_id": lead, "status_changed_at": seen,
                      "created_at": seen, "updated_at": seen})
        if lead is not None:
            links.append({"opinion_id": item_id, "unit_id": lead, "is_lead": True})
    _insert(connection, OpinionItem, items)
    _insert(connection, OpinionUnit, links)


def _events(connection, names: list[str], rng: random.Random, now) -> None:
    rows = []
    for event_id in range(1, EVENTS + 1):
        start = _slot(now, rng)
        rows.append({"id": event_id, "uid": f"bench-event-{event_id}@planner", "sequence": 0,
                     "kind": rng.choice(list(EventKind)), "status": EventStatus.APPROVED,
                     "topic": f"{rng.choice(TOPICS)}新闻发布会（第{event_id}场）",
                     "starts_at": start, "ends_at": start + timedelta(hours=1),
                     "venue": "新闻发布厅", "online_room": "",
                     "spokespeople": "、".join(rng.sample(names, 2)), "host": rng.choice(names),
                     "invited_media": "", "agenda": "一、发布\n二、答记者问",
                     "created_at": now, "updated_at": now})
    _insert(connection, PressEvent, rows)


def _meetings(connection, unit_ids: list[int], names: list[str], rng: random.Random,
              now) -> None:
    meetings, attendees = [], []
    for meeting_id in range(1, MEETINGS + 1):
        start = _slot(now, rng)
        meetings.append({"id": meeting_id, "uid": f"bench-meeting-{meeting_id}@planner",
                         "sequence": 0, "title": f"{rng.choice(TOPICS)}舆情会商联席会议",
                         "agenda": "", "starts_at": start, "ends_at": start + timedelta(hours=1),
                         "venue": "厅第三会议室", "online_room": "",
                         "status": MeetingStatus.SCHEDULED, "cancel_reason": "",
                         "created_at": now, "updated_at": now})
        for name in rng.sample(names, ATTENDEES):
            attendees.append({"meeting_id": meeting_id, "name": name,
                              "unit_id": rng.choice(unit_ids)})
    _insert(connection, Meeting, meetings)
    _insert(connection, MeetingAttendee, attendees)


def _slot(now, rng: random.Random):
    """Pick a working-hours start in the half year around today."""
    day = to_office(now).replace(hour=9, minute=0, second=0, microsecond=0)
    offset = rng.randint(-CALENDAR_DAYS // 2, CALENDAR_DAYS // 2)
    return day + timedelta(days=offset, minutes=30 * rng.randint(0, 15))


def _insert(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


# --- timing ------------------------------------------------------------------------------

def scenarios(data: BenchData) -> list[Scenario]:
    def filtered(app: AppTest) -> None:
        app.multiselect(key="opinions_filter_severity").set_value(["major", "critical"])
        app.multiselect(key="opinions_filter_status").set_value(["forwarded", "responding"])
        app.text_input(key="opinions_filter_text").input("出租车").run()

    def last_page(app: AppTest) -> None:
        app.number_input(key="opinions_page").set_value(ITEMS // 50).run()

    def week(app: AppTest) -> None:
        app.radio(key="calendar_view").set_value("week").run()

    def one_person(app: AppTest) -> None:
        app.selectbox(key="calendar_person").set_value(data.spokesperson).run()

    register, calendar = "views/opinions.py", "views/calendar.py"
    return [
        Scenario("政务舆情台账, no filter, page 1 (厅办公室)", register, data.office_user),
        Scenario("政务舆情台账, 重大+特别重大, 已转办+回应中, text 出租车", register,
                 data.office_user, filtered),
        Scenario(f"政务舆情台账, last page ({ITEMS // 50})", register, data.office_user,
                 last_page),
        Scenario("政务舆情, one unit's queue (承办人员)", register, data.unit_user),
        Scenario("日程, month view (厅办公室)", calendar, data.office_user),
        Scenario("日程, week view", calendar, data.office_user, week),
        Scenario("日程, month view, one person", calendar, data.office_user, one_person),
    ]


def call_figures(engine: Engine, data: BenchData, runs: int) -> list[tuple[str, Timings]]:
    """Time the planner calls behind the pages, and the 5,000-entry export, alone."""
    today = to_office(now_utc()).date()
    start = today - timedelta(days=CALENDAR_DAYS // 2 + 1)
    end = today + timedelta(days=CALENDAR_DAYS // 2 + 1)
    with Session(engine) as session:
        office = session.get(User, data.office_user)
        calls = {
            "opinions.list_items, filtered, page 1": lambda: opinions.list_items(
                session, actor=office, filters=opinions.OpinionFilter(
                    severities=["major"], text="出租车")),
            "schedule.entries, one month": lambda: schedule.entries(
                session, start=today.replace(day=1), end=today.replace(day=28)),
            f"schedule.export_ics, {start} to {end} (all entries)": lambda: _check_export(
                schedule.export_ics(session, actor=office, start=start, end=end)),
        }
        return [(name, _repeat(call, runs)) for name, call in calls.items()]


def _repeat(call, runs: int) -> Timings:
    call()   # warm-up
    timings = Timings(wall=[], cpu=[])
    for _ in range(runs):
        wall, cpu = time_once(call)
        timings.wall.append(wall)
        timings.cpu.append(cpu)
    return timings


def _check_export(result: tuple[str, bytes]) -> None:
    found = result[1].count(b"BEGIN:VEVENT")
    if found != EVENTS + MEETINGS:
        raise SystemExit(f"the export contains {found} entries, expected {EVENTS + MEETINGS}")


# --- reporting ---------------------------------------------------------------------------

def render_table(data: BenchData, pages: list[tuple[str, Timings]],
                 calls: list[tuple[str, Timings]], build_s: float) -> str:
    counts = ", ".join(f"{value:,} {name}" for name, value in data.counts.items())
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, SQLite (WAL): {counts} (built in "
        f"{build_s:.0f} s). Pages: wall-clock time of one rerun of app.py with the page open, "
        f"in AppTest, after a warm-up run; target {PAGE_TARGET_SECONDS * 1000:.0f} ms. "
        f"Calls: the planner function alone; the export target is "
        f"{EXPORT_TARGET_SECONDS:.0f} s. Load average at the end: {os.getloadavg()[0]:.1f} "
        f"(other processes on the machine lengthen the wall-clock times, not the CPU times).",
        "",
        "| what | median (ms) | slowest (ms) | median CPU (ms) | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, timings in [*pages, *calls]:
        lines.append(f"| {name} | {statistics.median(timings.wall) * 1000:.0f} | "
                     f"{max(timings.wall) * 1000:.0f} | "
                     f"{statistics.median(timings.cpu) * 1000:.0f} | {len(timings.wall)} |")
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
    """Build the database, time every scenario and call, print (and record) the tables.

    Returns 1 when a page median is over 300 ms or the export median over 2 s, else 0.
    """
    with tempfile.TemporaryDirectory(prefix="planner-bench-opinions-") as folder:
        engine = point_app_at(f"sqlite:///{Path(folder) / 'bench.db'}", folder)
        started = time.perf_counter()
        data = build(engine)
        build_s = time.perf_counter() - started

        pages = [(scenario.name, time_reruns(scenario, runs)) for scenario in scenarios(data)]
        calls = call_figures(engine, data, runs)
        engine.dispose()
        st.cache_resource.clear()

    table = render_table(data, pages, calls, build_s)
    print(table)
    if write:
        write_results(table)

    slow = [name for name, timings in pages
            if statistics.median(timings.wall) > PAGE_TARGET_SECONDS]
    slow += [name for name, timings in calls if "export" in name
             and statistics.median(timings.wall) > EXPORT_TARGET_SECONDS]
    for name in slow:
        print(f"over target: {name}", file=sys.stderr)
    return 1 if slow else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.opinions")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed reruns per page")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    return run(args.runs, not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
