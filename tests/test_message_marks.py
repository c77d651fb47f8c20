"""Quotation and book-title marks around titles, topics and names in messages.

A catalog key that sets a title in “” or 《》 gets the title through the matching helper
at the caller (planner.i18n.inside_quotes, inside_book_marks), which turns the title's own
marks into the inner pair (GB/T 15834-2011). A title such as “2026年春运”新闻发布会答问口径
then shows as “‘2026年春运’新闻发布会答问口径”, never as ““2026年春运”…”.

The keys are found by scanning the catalog for a title or name placeholder right after an
opening mark. The callers are found by reading the source: every call that names such a key
must pass the title through the helper.
"""

import ast
import re
import string
from pathlib import Path

import pytest

from planner.errors import Conflict
from planner.i18n import _load, inside_book_marks, inside_quotes, t
from planner.models import EventStatus
from planner.services import event_flow, events
from tests.event_setup import AFTER, BEFORE, book, event_input, make_people

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "planner").rglob("*.py")), *sorted((ROOT / "views").rglob("*.py")),
           *sorted((ROOT / "widgets").rglob("*.py")), ROOT / "app.py", ROOT / "ui.py",
           ROOT / "downloads.py"]

# Placeholders that hold a title, topic, name or file name: free text that may carry its
# own marks (a Word file exported from a draft is named after the draft's title).
TITLE_PLACEHOLDERS = {"title", "topic", "draft_title", "section_title", "other_title", "draft",
                      "section", "policy", "summary", "item", "task", "heading", "question",
                      "name", "file", "outlet", "reporter", "guest", "display_name", "venue"}
HELPERS = {"“": "inside_quotes", "《": "inside_book_marks"}
NESTING = {"inside_quotes": inside_quotes, "inside_book_marks": inside_book_marks}
# Arguments built nested before the call: the value comes from a function that applies the
# helper itself.
NESTED_UPSTREAM = {
    ("ai.prompt.draft", "draft_title"): "ai._draft_messages nests draft.title once",
    ("ai.prompt.polish", "draft_title"): "ai._draft_messages nests draft.title once",
    ("ai.prompt.questions", "draft_title"): "ai._draft_messages nests draft.title once",
    ("answer_sources.unverified_submit", "policy"): "answer_sources.policy_title",
    ("answer_sources.section_warning", "policy"): "answer_sources.policy_title",
    ("event_documents.policy_title", "title"): "event_documents nests policy.title",
    ("event_documents.policy_with_number", "title"): "event_documents nests policy.title",
}

SAMPLE_TITLES = ["“2026年春运”新闻发布会答问口径", "《四川省交通运输条例》",
                 "关于“四好农村路”建设的《实施意见》解读"]
DOUBLED = ("““", "””", "《《", "》》")
_MARKED = re.compile(r"([“《])\{(\w+)\}")


def marked_keys() -> dict[str, dict[str, str]]:
    """Return {key: {placeholder: helper name}} for every checked key that sets a title
    placeholder right after an opening mark."""
    found: dict[str, dict[str, str]] = {}
    for key, template in _load("zh-CN").items():
        for match in _MARKED.finditer(template):
            if match.group(2) in TITLE_PLACEHOLDERS:
                found.setdefault(key, {})[match.group(2)] = HELPERS[match.group(1)]
    return found


MARKED = marked_keys()


def placeholders(key: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(_load("zh-CN")[key]) if name}


def render(key: str, title: str, *, nest: bool) -> str:
    params = {name: "甲" for name in placeholders(key)}
    for name, helper in MARKED[key].items():
        params[name] = NESTING[helper](title) if nest else title
    return t(key, **params)


def test_scan_finds_title_keys():
    assert len(MARKED) > 60
    assert MARKED["event_flow.channel_missing"] == {"topic": "inside_quotes"}
    assert MARKED["ai.questions_not_qa"] == {"title": "inside_book_marks"}


@pytest.mark.parametrize("title", SAMPLE_TITLES)
@pytest.mark.parametrize("key", sorted(MARKED))
def test_marked_key_renders_without_doubled_marks(key, title):
    text = render(key, title, nest=True)

    for doubled in DOUBLED:
        assert doubled not in text


def test_raw_title_doubles_marks():
    # The failure the helpers prevent, so the check above can fail.
    assert "““" in render("event_flow.channel_missing", SAMPLE_TITLES[0], nest=False)
    assert "《《" in render("ai.questions_not_qa", SAMPLE_TITLES[1], nest=False)


def test_nested_title_reads_as_inner_quote():
    text = render("event_flow.channel_missing", SAMPLE_TITLES[0], nest=True)

    assert "“‘2026年春运’新闻发布会答问口径”" in text


def _calls_helper(node: ast.AST, helper: str) -> bool:
    return any(isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
               and inner.func.id == helper for inner in ast.walk(node))


def _nested_names(function: ast.AST, helper: str) -> set[str]:
    """Names that the function assigns from an expression calling `helper`."""
    return {target.id for node in ast.walk(function) if isinstance(node, ast.Assign)
            and _calls_helper(node.value, helper)
            for target in node.targets if isinstance(target, ast.Name)}


def caller_arguments() -> list[tuple[str, int, str, str, str, bool]]:
    """Return (file, line, key, placeholder, helper, nested) for every marked argument of a
    call that names a marked key."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [node for node in ast.walk(tree)
                     if isinstance(node, (ast.FunctionDef, ast.Lambda, ast.Module))]
        for function in functions:
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and call.args
                        and isinstance(call.args[0], ast.Constant)
                        and call.args[0].value in MARKED):
                    continue
                key = call.args[0].value
                for keyword in call.keywords:
                    helper = MARKED[key].get(keyword.arg)
                    if helper is None or (key, keyword.arg) in NESTED_UPSTREAM:
                        continue
                    nested = _calls_helper(keyword.value, helper) or (
                        isinstance(keyword.value, ast.Name)
                        and keyword.value.id in _nested_names(function, helper))
                    found.append((str(path.relative_to(ROOT)), call.lineno, key,
                                  keyword.arg, helper, nested))
    return sorted(set(found))


CALLERS = caller_arguments()


def test_scan_finds_callers():
    assert len(CALLERS) > 60
    assert {key for _, _, key, _, _, _ in CALLERS} >= {"event_flow.channel_missing",
                                                        "coedit.section_read_only"}


@pytest.mark.parametrize("file, line, key, placeholder, helper, nested", [
    pytest.param(*row, id=f"{row[0]}:{row[1]}:{row[3]}") for row in CALLERS])
def test_caller_nests_title(file, line, key, placeholder, helper, nested):
    assert nested, f"{file}:{line}: {key} gets {placeholder} without {helper}()"


# --- messages built from stored topics, checked end to end -----------------------------------
# The scan above reads keyword arguments at the call. These tests run the services, so a
# topic that reaches the message another way (a variable, **params) is caught too.

QUOTED_TOPIC = "全省高速公路春运服务保障“五个一”措施新闻发布会"


def test_booking_warning_nests_other_topic(session):
    people = make_people(session)
    book(session, people, topic=QUOTED_TOPIC)

    issues = events.check_booking(session, event_input(topic="春运出行提示"), now=BEFORE)

    person = [issue.message for issue in issues
              if issue.kind == events.IssueKind.PERSON_AT_EVENT]
    assert person
    assert "“全省高速公路春运服务保障‘五个一’措施新闻发布会”" in person[0]
    for doubled in DOUBLED:
        assert doubled not in person[0]


def test_archive_refusal_nests_topic(session):
    people = make_people(session)
    event = book(session, people, topic="农村公路“四好”建设与群众出行")
    event.status = EventStatus.APPROVED
    session.add(event)
    session.commit()
    event_flow.hold(session, actor=people.speaker, event_id=event.id, now=AFTER)
    session.commit()

    with pytest.raises(Conflict) as refused:
        event_flow.archive(session, actor=people.speaker, event_id=event.id, now=AFTER)

    assert "活动“农村公路‘四好’建设与群众出行”的" in refused.value.message
    for doubled in DOUBLED:
        assert doubled not in refused.value.message
