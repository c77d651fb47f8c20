"""Time the 新闻发布活动 page with 20,000 press events.

A SQLite file in a temporary folder gets 20,000 events of every kind and status over the
two years around today, each with spokespeople, a host, guests and experts. It also gets
1,000 joint meetings, 300 media contacts and a few invitations, all written with bulk
inserts.
Each scenario signs a user in, opens the page through app.py in AppTest and times further
reruns (bench.pages.time_reruns): the list page with its filters and the detail of the
event shown under it (booking warnings, steps, history, media, files, invite). A second
table times the planner calls alone. Results go to docs/benchmarks.md between this
module's markers.
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
from planner.models import (EventKind, EventMediaInvite, EventStatus, EventStatusChange,
                            MediaContact, Meeting, MeetingAttendee, MeetingStatus, PressEvent,
                            Role, RoleAssignment, Unit, User)
from planner.services import events
from planner.timeutil import now_utc, to_office

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:events:begin -->", "<!-- bench:events:end -->"
HEADING = "## Pages: 新闻发布活动 with 20,000 events"
TARGET_SECONDS = 0.3
EVENTS, MEETINGS, CONTACTS = 20_000, 1_000, 300
DAYS = 730               # events spread over the two years around today
BATCH = 10_000
DEFAULT_RUNS = 15
TOPICS = ["春运交通保障", "高速公路收费", "农村公路建设", "水运发展", "道路运输安全", "城市公交",
          "网约车管理", "交通执法"]
STATUS_WEIGHTS = {EventStatus.PLANNING: 10, EventStatus.APPROVED: 10,
                  EventStatus.ANNOUNCED: 10, EventStatus.HELD: 15, EventStatus.ARCHIVED: 50,
                  EventStatus.CANCELLED: 5}


@dataclass
class BenchData:
    office_user: int        # 厅办公室 and 新闻发言人: may see every event and take every step
    reader: int             # 承办人员: no event role
    counts: dict[str, int]


# --- building the database ---------------------------------------------------------------

def build(engine: Engine, seed: int = 17) -> BenchData:
    rng = random.Random(seed)
    now = now_utc()
    with Session(engine) as session:
        office_user, reader, names = _people(session)

    with engine.begin() as connection:
        _events(connection, office_user, names, rng, now)
        _meetings(connection, names, rng, now)
        _contacts(connection, office_user)
    return BenchData(office_user=office_user, reader=reader,
                     counts={"press events": EVENTS, "meetings": MEETINGS,
                             "media contacts": CONTACTS})


def _people(session: Session) -> tuple[int, int, list[str]]:
    office = Unit(name="厅办公室")
    other = Unit(name="政策法规处")
    session.add_all([office, other])
    session.flush()
    office_user = _user(session, "office", "办公室用户", office.id,
                        [Role.GENERAL_OFFICE, Role.SPOKESPERSON])
    reader = _user(session, "reader", "承办人员甲", other.id, [Role.DRAFTER])
    session.commit()
    return office_user, reader, [f"发言人{n:02d}" for n in range(1, 41)]


def _user(session: Session, username: str, name: str, unit_id: int, roles: list[Role]) -> int:
    user = User(username=username, display_name=name, unit_id=unit_id)
    session.add(user)
    session.flush()
    for role in roles:
        session.add(RoleAssignment(user_id=user.id, unit_id=unit_id, role=role))
    return user.id


def _events(connection, creator: int, names: list[str], rng: random.Random, now) -> None:
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    rows, history = [], []
    for event_id in range(1, EVENTS + 1):
        start = _slot(now, rng)
        status = rng.choices(statuses, weights)[0]
        rows.append({
            "id": event_id, "uid": f"bench-event-{event_id}@planner", "sequence": 0,
            "kind": rng.choice(list(EventKind)), "status": status,
            "topic": f"{rng.choice(TOPICS)}新闻发布会（第{event_id}场）",
            "starts_at": start, "ends_at": start + timedelta(hours=1),
            "venue": f"新闻发布厅{rng.randint(1, 5)}", "online_room": "",
            "spokespeople": "、".join(rng.sample(names, 2)), "host": rng.choice(names),
            "guests": f"{rng.choice(names)} 局长\n嘉宾{event_id} 处长",
            "experts": f"专家{event_id % 97} 教授", "question_channel": "",
            "cancel_reason": "", "invited_media": "", "agenda": "一、发布\n二、答记者问",
            "created_by": creator, "created_at": now, "updated_at": now})
        history.append({"event_id": event_id, "action": "create", "from_status": "",
                        "to_status": EventStatus.PLANNING, "reason": "", "actor_id": creator,
                        "at": now})
    _insert(connection, PressEvent, rows)
    _insert(connection, EventStatusChange, history)


def _meetings(connection, names: list[str], rng: random.Random, now) -> None:
    meetings, attendees = [], []
    for meeting_id in range(1, MEETINGS + 1):
        start = _slot(now, rng)
        meetings.append({"id": meeting_id, "uid": f"bench-meeting-{meeting_id}@planner",
                         "sequence": 0, "title": f"{rng.choice(TOPICS)}舆情会商联席会议",
                         "agenda": "", "starts_at": start, "ends_at": start + timedelta(hours=1),
                         "venue": "厅第三会议室", "online_room": "",
                         "status": MeetingStatus.SCHEDULED, "cancel_reason": "",
                         "created_at": now, "updated_at": now})
        attendees += [{"meeting_id": meeting_id, "name": name}
                      for name in rng.sample(names, 5)]
    _insert(connection, Meeting, meetings)
    _insert(connection, MeetingAttendee, attendees)


def _contacts(connection, creator: int) -> None:
    contacts = [{"id": n, "outlet": f"媒体{n:03d}", "reporter": f"记者{n:03d}",
                 "phone": f"138{n:08d}", "email": f"reporter{n}@media.example.cn", "note": "",
                 "is_active": True, "created_by": creator} for n in range(1, CONTACTS + 1)]
    _insert(connection, MediaContact, contacts)
    # The newest events (shown first) get five invitations each.
    invites = [{"event_id": event_id, "contact_id": contact_id, "status": "invited",
                "invited_by": creator}
               for event_id in range(1, 201) for contact_id in range(1, 6)]
    _insert(connection, EventMediaInvite, invites)


def _slot(now, rng: random.Random):
    """Pick a working-hours start in the two years around today."""
    day = to_office(now).replace(hour=9, minute=0, second=0, microsecond=0)
    offset = rng.randint(-DAYS // 2, DAYS // 2)
    return day + timedelta(days=offset, minutes=30 * rng.randint(0, 15))


def _insert(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


# --- timing ------------------------------------------------------------------------------

def scenarios(data: BenchData) -> list[Scenario]:
    def filtered(app: AppTest) -> None:
        app.multiselect(key="events_filter_kind").set_value(["press_conference", "briefing"])
        app.multiselect(key="events_filter_status").set_value(["archived"]).run()

    def text(app: AppTest) -> None:
        app.text_input(key="events_filter_text").input("春运").run()

    def one_month(app: AppTest) -> None:
        today = to_office(now_utc()).date()
        app.date_input(key="events_filter_from").set_value(today.replace(day=1))
        app.date_input(key="events_filter_to").set_value(today.replace(day=28)).run()

    def last_page(app: AppTest) -> None:
        app.number_input(key="events_page_number").set_value(EVENTS // 50).run()

    page = "views/events.py"
    return [
        Scenario("新闻发布活动, no filter, page 1 and its event (厅办公室)", page,
                 data.office_user),
        Scenario("新闻发布活动, 2 kinds and 已归档", page, data.office_user, filtered),
        Scenario("新闻发布活动, text 春运", page, data.office_user, text),
        Scenario("新闻发布活动, one month", page, data.office_user, one_month),
        Scenario(f"新闻发布活动, last page ({EVENTS // 50})", page, data.office_user, last_page),
        Scenario("新闻发布活动, 承办人员 (no event role)", page, data.reader),
    ]


def call_figures(engine: Engine, runs: int) -> list[tuple[str, Timings]]:
    """Time the planner calls behind the page alone."""
    with Session(engine) as session:
        calls = {
            "events.search_events, page 1": lambda: events.search_events(session),
            "events.search_events, text 春运, page 1": lambda: events.search_events(
                session, filters=events.EventFilter(text="春运")),
            f"events.search_events, page {EVENTS // 50}": lambda: events.search_events(
                session, page=EVENTS // 50),
            "events.check_event (booking warnings)": lambda: events.check_event(session, 1),
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


# --- reporting ---------------------------------------------------------------------------

def render_table(data: BenchData, pages: list[tuple[str, Timings]],
                 calls: list[tuple[str, Timings]], build_s: float) -> str:
    counts = ", ".join(f"{value:,} {name}" for name, value in data.counts.items())
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, SQLite (WAL): {counts} (built in "
        f"{build_s:.0f} s). Pages: wall-clock time of one rerun of app.py with the page open, "
        f"in AppTest, after a warm-up run: the list (50 a page) and the detail of the event "
        f"selected under it; target {TARGET_SECONDS * 1000:.0f} ms. Calls: the planner "
        f"function alone. Load average at the end: {os.getloadavg()[0]:.1f} (other "
        f"processes on the machine lengthen the wall-clock times, not the CPU times).",
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

    Returns 1 when a page median is over the target, else 0.
    """
    with tempfile.TemporaryDirectory(prefix="planner-bench-events-") as folder:
        engine = point_app_at(f"sqlite:///{Path(folder) / 'bench.db'}", folder)
        started = time.perf_counter()
        data = build(engine)
        build_s = time.perf_counter() - started

        pages = [(scenario.name, time_reruns(scenario, runs)) for scenario in scenarios(data)]
        calls = call_figures(engine, runs)
        engine.dispose()
        st.cache_resource.clear()

    table = render_table(data, pages, calls, build_s)
    print(table)
    if write:
        write_results(table)

    slow = [name for name, timings in pages if statistics.median(timings.wall) > TARGET_SECONDS]
    for name in slow:
        print(f"over target: {name}", file=sys.stderr)
    return 1 if slow else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed reruns per page")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    return run(args.runs, not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
