"""Time the 答问口径库 page searched in Chinese over 20,000 approved answers.

A SQLite file in a temporary folder gets the four policy fixtures (each saved five times,
so 20 policies with their parsed sections), 200 press events and 20,000 library entries,
written with bulk inserts. Questions and answers are sentences of those policies, so
Chinese terms match as they would in an office's own library. One entry in ten carries an
old policy hash, so the policy-changed flag is computed and shown too. Each scenario signs
a 承办人员 in, opens the page through app.py in AppTest, types the search and times further
reruns. A second table times the search call alone. Results go to docs/benchmarks.md
between this module's markers.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine, insert
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from bench.pages import point_app_at
from planner.documents.structure import ParsedSection
from planner.models import (AnswerLibraryEntry, AnswerTier, Disclosure, Draft, DraftKind,
                            EventKind, PressEvent, Role, RoleAssignment, Unit, User)
from planner.services import answer_library, policies
from planner.timeutil import now_utc

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
RESULTS = ROOT / "docs" / "benchmarks.md"
FIXTURES = ROOT / "tests" / "fixtures"
BEGIN, END = "<!-- bench:library:begin -->", "<!-- bench:library:end -->"
HEADING = "## Pages: 答问口径库 searched over 20,000 answers"
TARGET_SECONDS = 0.3
ENTRIES = 20_000
EVENTS = 200
COPIES_PER_POLICY = 5
BRIEFS = 30          # 答问口径 drafts the signed-in user may reuse into
BATCH = 5_000
DEFAULT_RUNS = 15
TIER_WEIGHTS = {AnswerTier.MUST: 2, AnswerTier.LIKELY: 5, AnswerTier.RESERVE: 3}


@dataclass
class BenchData:
    drafter: int
    policy_ids: list[int]
    counts: dict[str, int]


# --- building the database ---------------------------------------------------------------

def build(engine: Engine, *, entries: int = ENTRIES, seed: int = 13) -> BenchData:
    """Fill a freshly migrated, empty database; return the signed-in user and the policies."""
    rng = random.Random(seed)
    now = now_utc()
    with Session(engine, expire_on_commit=False) as session:
        unit, drafter = _people(session)
        policy_ids, sentences = _policies(session, drafter)
        hashes = answer_library.current_policy_hashes(session, set(policy_ids))
        event_ids = _events(session, unit, drafter, policy_ids, rng, now)
        _briefs(session, unit, drafter, now)
        session.commit()

    rows = [_entry(n, rng, now, policy_ids, hashes, event_ids, sentences)
            for n in range(entries)]
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(AnswerLibraryEntry), rows[start:start + BATCH])
    return BenchData(drafter=drafter.id, policy_ids=policy_ids,
                     counts={"library entries": entries, "policies": len(policy_ids),
                             "events": len(event_ids)})


def _people(session: Session) -> tuple[Unit, User]:
    unit = Unit(name="政策法规处")
    session.add(unit)
    session.flush()
    drafter = User(username="drafter", display_name="张明", unit_id=unit.id)
    session.add(drafter)
    session.flush()
    session.add(RoleAssignment(user_id=drafter.id, unit_id=unit.id, role=Role.DRAFTER))
    return unit, drafter


def _policies(session: Session, actor: User) -> tuple[list[int], list[tuple[int, str]]]:
    """Save each fixture policy several times; return the ids and (policy, sentence) pairs."""
    ids, sentences = [], []
    for path in sorted(FIXTURES.glob("[Ps]*.txt")):
        parsed, raw = policies.parse_pasted(path.read_text(encoding="utf-8"))
        for copy in range(COPIES_PER_POLICY):
            fields = policies.PolicyFields(title=f"{parsed.title or path.stem}（{copy + 1}）",
                                           doc_number=parsed.doc_number, issuer=parsed.issuer)
            # The copies share their 发文字号, so each is saved as a chosen duplicate.
            policy = policies.save_policy(session, actor=actor, parsed=parsed, fields=fields,
                                          source_name=path.name, raw_text=raw,
                                          allow_duplicate=True)
            ids.append(policy.id)
            sentences += [(policy.id, s) for s in _sentences(parsed.sections)]
    return ids, sentences


def _sentences(sections: list[ParsedSection]) -> list[str]:
    found = []
    for section in sections:
        found += [s + "。" for s in section.text.replace("\n", "").split("。") if len(s) > 12]
        found += _sentences(section.children)
    return found


def _events(session: Session, unit: Unit, actor: User, policy_ids: list[int],
            rng: random.Random, now: datetime) -> list[int]:
    ids = []
    for number in range(EVENTS):
        starts = now - timedelta(days=rng.randint(1, 720), hours=rng.randint(0, 8))
        event = PressEvent(uid=f"{uuid.uuid4()}@bench", kind=EventKind.PRESS_CONFERENCE,
                           topic=f"第{number + 1}场新闻发布会", starts_at=starts,
                           ends_at=starts + timedelta(hours=1), venue="厅新闻发布厅",
                           policy_id=rng.choice(policy_ids), unit_id=unit.id,
                           created_by=actor.id)
        session.add(event)
        session.flush()
        ids.append(event.id)
    return ids


def _briefs(session: Session, unit: Unit, actor: User, now: datetime) -> None:
    for number in range(BRIEFS):
        session.add(Draft(kind=DraftKind.ANSWER_BRIEF, title=f"第{number + 1}场发布会答问口径",
                          disclosure=Disclosure.NOT_PUBLIC, disclosure_reason="内部工作材料",
                          disclosure_basis="政府信息公开条例第十六条", unit_id=unit.id,
                          template=DraftKind.ANSWER_BRIEF, created_by=actor.id,
                          updated_at=now - timedelta(hours=number)))


def _entry(number: int, rng: random.Random, now: datetime, policy_ids: list[int],
           hashes: dict[int, str], event_ids: list[int],
           sentences: list[tuple[int, str]]) -> dict:
    policy_id, first = rng.choice(sentences)
    answer = "".join([first] + [rng.choice(sentences)[1] for _ in range(rng.randint(2, 5))])
    question = f"请介绍{first[:rng.randint(8, 20)]}的有关情况？"
    points = "\n".join(s[:30] for _, s in rng.sample(sentences, 3))
    tiers, weights = list(TIER_WEIGHTS), list(TIER_WEIGHTS.values())
    stale = number % 10 == 0    # approved before a later edit of the policy
    return {"question": question, "answer": answer, "key_points": points,
            "sources": f"{rng.choice('一二三四五')}、（{rng.choice('一二三四')}）",
            "avoid_phrasing": "不使用“史上最严”等绝对化表述",
            "tier": rng.choices(tiers, weights)[0],
            "search_text": answer_library.search_text(question, answer, points),
            "policy_id": policy_id, "policy_hash": "0" * 64 if stale else hashes[policy_id],
            "event_id": rng.choice(event_ids), "draft_id": None, "section_key": f"q{number}",
            "review_round": 1, "approved_at": now - timedelta(minutes=number * 37),
            "created_at": now}


# --- timing ------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    query: str
    tier: str | None = None
    policy: bool = False     # filter by the first policy


SCENARIOS = [
    Scenario("答问口径库, no search, page 1", ""),
    Scenario("答问口径库, two common terms (政府信息 公开)", "政府信息 公开"),
    Scenario("答问口径库, three terms, few matches (新闻发言人 网站 考核)", "新闻发言人 网站 考核"),
    Scenario("答问口径库, one term and 必答 (政务新媒体)", "政务新媒体", tier=AnswerTier.MUST),
    Scenario("答问口径库, one policy, one term (公开)", "公开", policy=True),
    Scenario("答问口径库, no match (高速公路收费)", "高速公路收费"),
]


@dataclass
class Timings:
    wall: list[float]       # seconds per rerun, as the user waits
    cpu: list[float]        # CPU seconds of this process per rerun, all threads


def time_reruns(scenario: Scenario, data: BenchData, runs: int) -> tuple[Timings, int]:
    """Wall-clock and CPU seconds of each rerun with the search typed; and the hit count."""
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state["user_id"] = data.drafter
    app.run()
    app.switch_page("views/answer_library.py").run()
    app.text_input(key="library_query").input(scenario.query).run()
    if scenario.tier:
        app.selectbox(key="library_tier").set_value(scenario.tier).run()
    if scenario.policy:
        app.selectbox(key="library_policy").set_value(data.policy_ids[0]).run()
    _check_rendered(app, scenario.name)

    timings = Timings(wall=[], cpu=[])
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        app.run()
        timings.wall.append(time.perf_counter() - wall)
        timings.cpu.append(time.process_time() - cpu)
    _check_rendered(app, scenario.name)
    return timings, _hit_count(app)


def _hit_count(app: AppTest) -> int:
    """Return the total the page reports ("共找到 N 条")."""
    caption = next(c.value for c in app.caption if c.value.startswith("共找到"))
    return int(caption.split("共找到 ")[1].split(" ")[0])


def _check_rendered(app: AppTest, name: str) -> None:
    # An error page renders fast, so a failure must stop the benchmark, not flatter it.
    problems = [element.value for element in [*app.exception, *app.error]]
    if problems or not app.title:
        raise SystemExit(f"{name}: the page did not render: {problems}")


def search_timings(engine: Engine, data: BenchData, runs: int) -> dict[str, list[float]]:
    """Time answer_library.search alone (count, page of 20, policy hashes) per scenario."""
    figures: dict[str, list[float]] = {}
    with Session(engine) as session:
        for scenario in SCENARIOS:
            policy_id = data.policy_ids[0] if scenario.policy else None
            call = lambda: answer_library.search(session, query=scenario.query,  # noqa: E731
                                                 tier=scenario.tier, policy_id=policy_id,
                                                 limit=20)
            call()    # warm-up
            figures[scenario.name] = []
            for _ in range(runs):
                started = time.perf_counter()
                call()
                figures[scenario.name].append(time.perf_counter() - started)
    return figures


# --- reporting ---------------------------------------------------------------------------

def render_table(data: BenchData, rows: list[tuple[str, Timings, int]],
                 calls: dict[str, list[float]], build_s: float) -> str:
    counts = ", ".join(f"{value:,} {name}" for name, value in data.counts.items())
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, SQLite (WAL): {counts} (built in "
        f"{build_s:.0f} s). Wall-clock time of one rerun of app.py with the library page "
        f"open and the search typed, in AppTest, after a warm-up run; 20 answers a page, "
        f"each with its policy-changed check. Target {TARGET_SECONDS * 1000:.0f} ms. The "
        f"CPU column is the process's CPU time over the same rerun; the 1-minute load "
        f"average was {os.getloadavg()[0]:.1f} when the table was written.",
        "",
        "| scenario | matches | median (ms) | slowest (ms) | median CPU (ms) | runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {hits:,} | {statistics.median(t.wall) * 1000:.0f} | "
              f"{max(t.wall) * 1000:.0f} | {statistics.median(t.cpu) * 1000:.0f} | "
              f"{len(t.wall)} |" for name, t, hits in rows]
    lines += ["", "| answer_library.search alone | median (ms) | slowest (ms) | runs |",
              "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {statistics.median(t) * 1000:.1f} | {max(t) * 1000:.1f} | {len(t)} |"
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
    with tempfile.TemporaryDirectory(prefix="planner-bench-library-") as folder:
        engine = point_app_at(f"sqlite:///{Path(folder) / 'bench.db'}", folder)
        started = time.perf_counter()
        data = build(engine)
        build_s = time.perf_counter() - started

        rows = [(s.name, *time_reruns(s, data, runs)) for s in SCENARIOS]
        calls = search_timings(engine, data, runs)
        engine.dispose()
        st.cache_resource.clear()

    table = render_table(data, rows, calls, build_s)
    print(table)
    if write:
        write_results(table)

    slow = [name for name, timings, _ in rows
            if statistics.median(timings.wall) > TARGET_SECONDS]
    for name in slow:
        print(f"over target: {name}", file=sys.stderr)
    return 1 if slow else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed reruns per scenario")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    return run(args.runs, not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
