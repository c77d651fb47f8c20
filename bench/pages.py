"""Time reruns of the 我的待办 (queue) and 审计记录 (audit) pages on a large database.

A SQLite file in a temporary folder gets 10,000 drafts in 20 units, their review
decisions, and 100,000 chained audit rows, all written with bulk inserts. Each scenario
signs a user in, opens the page through app.py in AppTest and times further reruns.
One rerun covers app.py, the page, its queries and the element tree, which is what a
user waits for after touching a widget on the page. The table gives the median and the
slowest wall-clock time of several runs after a warm-up run, and the median CPU time.
Results go to docs/benchmarks.md between this module's markers.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine, func, insert
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.config import get_settings
from planner.db import make_engine, migrate
from planner.models import (AuditEntry, AuditHead, Draft, DraftKind, DraftStatus,
                            ReviewDecision, ReviewLevel, ReviewOutcome, Role, RoleAssignment,
                            Unit, UnitKind, User)
from planner.services import audit
from planner.timeutil import now_utc

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
RESULTS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:pages:begin -->", "<!-- bench:pages:end -->"
HEADING = "## Pages: 我的待办 and 审计记录 on a large database"
TARGET_SECONDS = 0.3
DRAFTS = 10_000
AUDIT_ROWS = 100_000
UNITS = 20
DRAFTERS_PER_UNIT = 5
BATCH = 10_000
DEFAULT_RUNS = 15

# Share of drafts in each state: most have been released, a few hundred wait per level.
STATUS_WEIGHTS = {
    DraftStatus.RELEASED: 55, DraftStatus.APPROVED: 5, DraftStatus.DRAFT: 15,
    DraftStatus.PENDING_FIRST: 7, DraftStatus.PENDING_SECOND: 6,
    DraftStatus.PENDING_FINAL: 6, DraftStatus.RETURNED: 6,
}
# The decisions already made in the current round, by state.
DECIDED = {
    DraftStatus.DRAFT: [],
    DraftStatus.PENDING_FIRST: [None],
    DraftStatus.PENDING_SECOND: [None, ReviewLevel.FIRST],
    DraftStatus.PENDING_FINAL: [None, ReviewLevel.FIRST, ReviewLevel.SECOND],
    DraftStatus.APPROVED: [None, ReviewLevel.FIRST, ReviewLevel.SECOND, ReviewLevel.FINAL],
    DraftStatus.RELEASED: [None, ReviewLevel.FIRST, ReviewLevel.SECOND, ReviewLevel.FINAL],
    DraftStatus.RETURNED: [None, ReviewLevel.FIRST],
}
AUDIT_ACTIONS = [("draft.create", "draft"), ("draft.section_save", "draft"),
                 ("review.approve", "draft"), ("review.submit", "draft"),
                 ("policy.create", "policy"), ("event.update", "press_event"),
                 ("auth.sign_in", "user"), ("auth.sign_in_failed", "user")]


@dataclass
class UnitStaff:
    unit_id: int
    drafters: list[int]
    department_head: int
    unit_head: int


@dataclass
class BenchData:
    units: list[UnitStaff]
    office_user: int        # 厅办公室: reads the audit trail
    counts: dict[str, int]


# --- building the database ---------------------------------------------------------------

def build(engine: Engine, *, drafts: int = DRAFTS, audit_rows: int = AUDIT_ROWS,
          seed: int = 7) -> BenchData:
    """Fill a freshly migrated, empty database and return the people the scenarios use."""
    rng = random.Random(seed)
    now = now_utc()
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Draft)).one():
            raise SystemExit("the benchmark database must be empty")
        units, office_user = _people(session)

    with engine.begin() as connection:
        draft_count, decision_count = _drafts(connection, units, rng, now, drafts)
        _audit_trail(connection, units, office_user, rng, now, audit_rows)
        _advance_sequences(connection)

    return BenchData(units=units, office_user=office_user,
                     counts={"drafts": draft_count, "decisions": decision_count,
                             "audit rows": audit_rows})


def _people(session: Session) -> tuple[list[UnitStaff], int]:
    """Create the units, each with five drafters, a department head and a unit head, and
    the 厅办公室 with one person who is both 厅办公室 and 管理员."""
    kinds = [UnitKind.DIVISION, UnitKind.AFFILIATE, UnitKind.CITY_BUREAU]
    units = []
    for number in range(1, UNITS + 1):
        unit = Unit(name=f"承办单位{number:02d}", kind=kinds[number % 3])
        session.add(unit)
        session.flush()
        drafters = [_user(session, f"u{number:02d}d{n}", unit, {Role.DRAFTER})
                    for n in range(DRAFTERS_PER_UNIT)]
        head = _user(session, f"u{number:02d}head", unit, {Role.DEPARTMENT_HEAD})
        leader = _user(session, f"u{number:02d}lead", unit, {Role.UNIT_HEAD})
        units.append(UnitStaff(unit.id, drafters, head, leader))

    office = Unit(name="厅办公室", kind=UnitKind.DIVISION)
    session.add(office)
    session.flush()
    office_user = _user(session, "office", office, {Role.GENERAL_OFFICE, Role.ADMIN})
    session.commit()
    return units, office_user


def _user(session: Session, username: str, unit: Unit, roles: set[Role]) -> int:
    user = User(username=username, display_name=f"用户{username}", unit_id=unit.id)
    session.add(user)
    session.flush()
    for role in roles:
        session.add(RoleAssignment(user_id=user.id, unit_id=unit.id, role=role))
    return user.id


def _drafts(connection, units: list[UnitStaff], rng: random.Random, now,
            count: int) -> tuple[int, int]:
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    drafts, decisions = [], []
    for draft_id in range(1, count + 1):
        people = units[draft_id % len(units)]
        status = rng.choices(statuses, weights)[0]
        changed = now - timedelta(minutes=rng.randint(5, 90 * 24 * 60))
        author = rng.choice(people.drafters)
        drafts.append(_draft_row(draft_id, people, author, status, changed))
        decisions.extend(_decision_rows(draft_id, people, author, status, changed, rng))

    for start in range(0, len(drafts), BATCH):
        connection.execute(insert(Draft), drafts[start:start + BATCH])
    for start in range(0, len(decisions), BATCH):
        connection.execute(insert(ReviewDecision), decisions[start:start + BATCH])
    return len(drafts), len(decisions)


def _draft_row(draft_id: int, people: UnitStaff, author: int, status: DraftStatus,
               changed) -> dict:
    return {"id": draft_id, "kind": DraftKind.INTERPRETATION if draft_id % 2 else DraftKind.QA,
            "title": f"关于第{draft_id}号政策文件的解读", "status": status,
            "unit_id": people.unit_id, "review_round": 1 if DECIDED[status] else 0,
            "status_changed_at": changed, "created_by": author, "created_at": changed,
            "updated_at": changed}


def _decision_rows(draft_id: int, people: UnitStaff, author: int, status: DraftStatus,
                   changed, rng: random.Random) -> list[dict]:
    first_reviewer = rng.choice([d for d in people.drafters if d != author])
    deciders = {None: author, ReviewLevel.FIRST: first_reviewer,
                ReviewLevel.SECOND: people.department_head, ReviewLevel.FINAL: people.unit_head}
    rows = []
    for step, level in enumerate(DECIDED[status]):
        outcome = ReviewOutcome.SUBMIT if level is None else ReviewOutcome.APPROVE
        if status == DraftStatus.RETURNED and level is not None:
            outcome = ReviewOutcome.RETURN
        rows.append({"draft_id": draft_id, "review_round": 1, "level": level,
                     "outcome": outcome, "actor_id": deciders[level],
                     "at": changed - timedelta(hours=len(DECIDED[status]) - step),
                     "opinion": "请补充政策依据" if outcome == ReviewOutcome.RETURN else "同意",
                     "content_hash": "0" * 64, "content_json": "{}"})
    return rows


def _audit_trail(connection, units: list[UnitStaff], office_user: int,
                 rng: random.Random, now, count: int) -> None:
    """Insert chained rows spread over the past year, hashed as audit.record hashes them."""
    actors = [(user, people.unit_id) for people in units
              for user in [*people.drafters, people.department_head, people.unit_head]]
    start = now - timedelta(days=365)
    step = timedelta(days=365) / count
    prev_hash, rows = audit.GENESIS_HASH, []
    for row_id in range(1, count + 1):
        actor, unit_id = rng.choice(actors)
        action, entity = rng.choice(AUDIT_ACTIONS)
        row = {"id": row_id, "at": start + step * row_id, "actor_id": actor,
               "unit_id": unit_id, "action": action, "entity": entity,
               "entity_id": rng.randint(1, DRAFTS),
               "detail": json.dumps({"title": f"关于第{row_id}号政策文件的解读"},
                                    ensure_ascii=False),
               "prev_hash": prev_hash}
        row["row_hash"] = prev_hash = audit.row_hash(
            prev_hash, **{key: row[key] for key in ("at", "actor_id", "unit_id", "action",
                                                    "entity", "entity_id", "detail")})
        rows.append(row)
        if len(rows) == BATCH:
            connection.execute(insert(AuditEntry), rows)
            rows = []
    if rows:
        connection.execute(insert(AuditEntry), rows)
    connection.execute(AuditHead.__table__.update().where(AuditHead.id == audit.HEAD_ID)
                       .values(last_id=count, last_hash=prev_hash, appended=count))


def _advance_sequences(connection) -> None:
    """On PostgreSQL, move the id sequences past the ids written explicitly above."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("draft", "audit_entry"):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


# --- timing ------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    page: str
    user_id: int
    prepare: Callable[[AppTest], None] | None = None


def scenarios(data: BenchData) -> list[Scenario]:
    unit = data.units[0]

    def filter_person_and_dates(app: AppTest) -> None:
        app.selectbox(key="audit_filter_person").select(unit.drafters[0]).run()
        app.date_input(key="audit_filter_from").set_value(
            (now_utc() - timedelta(days=180)).date()).run()

    def last_page(app: AppTest) -> None:
        app.number_input(key="audit_page_number").set_value(AUDIT_ROWS // 50).run()

    return [
        Scenario("审计记录, no filter, page 1 (厅办公室)", "views/audit.py", data.office_user),
        Scenario("审计记录, one person and 180 days", "views/audit.py", data.office_user,
                 filter_person_and_dates),
        Scenario(f"审计记录, last page ({AUDIT_ROWS // 50})", "views/audit.py",
                 data.office_user, last_page),
        Scenario("我的待办, 单位负责人 (审发, all units)", "views/queue.py", unit.unit_head),
        Scenario("我的待办, 承办部门负责人 (审核, one unit)", "views/queue.py",
                 unit.department_head),
        Scenario("我的待办, 承办人员 (初审 and returned)", "views/queue.py", unit.drafters[0]),
    ]


@dataclass
class Timings:
    wall: list[float]       # seconds per rerun, as the user waits
    cpu: list[float]        # CPU seconds of this process per rerun, all threads


def time_reruns(scenario: Scenario, runs: int) -> Timings:
    """Time each rerun of app.py with the scenario's page open."""
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state["user_id"] = scenario.user_id
    app.run()
    app.switch_page(scenario.page).run()
    if scenario.prepare is not None:
        scenario.prepare(app)
    _check_rendered(app, scenario)

    timings = Timings(wall=[], cpu=[])
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        app.run()
        timings.wall.append(time.perf_counter() - wall)
        timings.cpu.append(time.process_time() - cpu)
    _check_rendered(app, scenario)
    return timings


def _check_rendered(app: AppTest, scenario: Scenario) -> None:
    """Stop the benchmark if the page failed, since an error page renders fast."""
    problems = [element.value for element in [*app.exception, *app.error]]
    if problems or not app.title:
        raise SystemExit(f"{scenario.name}: the page did not render: {problems}")


def time_once(action: Callable[[], object]) -> tuple[float, float]:
    """Run `action` once; return its wall-clock and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def trail_figures(engine: Engine, office_user: int) -> dict[str, tuple[float, float]]:
    """Time the whole-trail operations once each: verify, and export without filters."""
    with Session(engine) as session:
        actor = session.get(User, office_user)
        verify_s = time_once(lambda: _check_ok(audit.verify_chain(session)))
        export_s = time_once(lambda: audit.export_csv(session, actor=actor))
        session.rollback()
    return {"verify": verify_s, "export": export_s}


def _check_ok(result: audit.VerifyResult) -> None:
    if not result.ok:
        raise SystemExit(f"the generated audit trail does not verify: {result}")


# --- reporting ---------------------------------------------------------------------------

def render_table(data: BenchData, rows: list[tuple[str, Timings]],
                 trail: dict[str, tuple[float, float]], build_s: float, database: str) -> str:
    counts = ", ".join(f"{value:,} {name}" for name, value in data.counts.items())
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores (load average {os.getloadavg()[0]:.1f} when done), "
        f"Python {platform.python_version()}, {database}: {counts}, "
        f"{sum(len(u.drafters) + 2 for u in data.units) + 1} users in {len(data.units) + 1} "
        f"units (built in {build_s:.0f} s). Wall-clock time of one rerun of app.py with the "
        f"page open, in AppTest, after a warm-up run; target {TARGET_SECONDS * 1000:.0f} ms. "
        f"The CPU column is the process's CPU time over the same rerun, which other load "
        f"on the machine changes less.",
        "",
        "| page and user | median (ms) | slowest (ms) | median CPU (ms) | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, timings in rows:
        lines.append(f"| {name} | {statistics.median(timings.wall) * 1000:.0f} | "
                     f"{max(timings.wall) * 1000:.0f} | "
                     f"{statistics.median(timings.cpu) * 1000:.0f} | {len(timings.wall)} |")
    lines += [
        "",
        f"Whole-trail operations, one run each (wall / CPU seconds): `python -m planner "
        f"audit verify` over {data.counts['audit rows']:,} rows {trail['verify'][0]:.2f} / "
        f"{trail['verify'][1]:.2f} s; CSV export of all rows {trail['export'][0]:.2f} / "
        f"{trail['export'][1]:.2f} s (on demand, not part of a page rerun).",
    ]
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


def run(runs: int, write: bool, database_url: str | None = None) -> int:
    """Build the database, time every scenario, print (and record) the table.

    Returns 1 when a median is over the target, else 0.
    """
    with tempfile.TemporaryDirectory(prefix="planner-bench-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = point_app_at(url, folder)
        started = time.perf_counter()
        data = build(engine)
        build_s = time.perf_counter() - started

        rows = [(scenario.name, time_reruns(scenario, runs)) for scenario in scenarios(data)
                if (ROOT / scenario.page).exists()]
        trail = trail_figures(engine, data.office_user)
        engine.dispose()
        st.cache_resource.clear()

    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite (WAL)"
    table = render_table(data, rows, trail, build_s, database)
    print(table)
    if write:
        write_results(table)

    slow = [name for name, timings in rows if statistics.median(timings.wall) > TARGET_SECONDS]
    for name in slow:
        print(f"over target: {name}", file=sys.stderr)
    return 1 if slow else 0


def point_app_at(url: str, folder: str) -> Engine:
    """Point the app (settings, cached engine) at `url`, migrated, for AppTest runs."""
    os.environ["PLANNER_DATABASE_URL"] = url
    os.environ["PLANNER_SECRETS_FILE"] = str(Path(folder) / "no-secrets.toml")
    get_settings.cache_clear()
    st.cache_resource.clear()
    engine = make_engine(url)
    migrate(engine)
    return engine


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed reruns per page")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--database-url", help="an empty database to fill instead of SQLite")
    args = parser.parse_args()
    return run(args.runs, not args.no_write, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
