"""Logging: one line per event with time, level, module and user; secrets never written."""

import io
import logging
import re

import pytest
from sqlmodel import Session

from planner import logging_setup
from planner.documents.parsing import parse_policy_text
from planner.models import Disclosure, DraftKind, Role
from planner.services import drafts, policies
from tests import factories
from tests.conftest import SICHUAN

LINE = re.compile(r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00) (?P<level>[A-Z]+) "
                  r"(?P<module>[\w.]+) user=(?P<user>[\w-]+) (?P<message>.*)$")
SECRET_BODY = "拟于下月上调过路费标准百分之十二（内部研究稿，不公开）"


@pytest.fixture
def log_output():
    """Install the planner handler writing to a buffer; restore the root logger after."""
    root, planner_logger = logging.getLogger(), logging.getLogger("planner")
    saved_level, saved_handlers = planner_logger.level, list(root.handlers)
    buffer = io.StringIO()
    logging_setup.configure_logging("DEBUG", stream=buffer)
    yield buffer
    for handler in [h for h in root.handlers if h not in saved_handlers]:
        root.removeHandler(handler)
    planner_logger.setLevel(saved_level)
    logging_setup.bind_user(None)


def lines(buffer: io.StringIO) -> list[str]:
    return buffer.getvalue().splitlines()


def test_log_line_has_time_level_module_user(log_output):
    with logging_setup.user_context(7):
        logging.getLogger("planner.services.drafts").info("draft %s saved, section %s", 12, 3)

    [line] = lines(log_output)
    fields = LINE.match(line)
    assert fields is not None, line
    assert fields["level"] == "INFO"
    assert fields["module"] == "planner.services.drafts"
    assert fields["user"] == "7"
    assert fields["message"] == "draft 12 saved, section 3"


def test_log_line_without_user_shows_dash(log_output):
    logging.getLogger("planner.cli").warning("backup written")

    assert LINE.match(lines(log_output)[0])["user"] == "-"


def test_user_context_restores_previous_user(log_output):
    logging_setup.bind_user(3)
    with logging_setup.user_context(9):
        logging.getLogger("planner.x").info("inner")
    logging.getLogger("planner.x").info("outer")

    assert [LINE.match(line)["user"] for line in lines(log_output)] == ["9", "3"]


def test_log_user_line_breaks_escaped(log_output):
    forged = "政策.docx\n2026-12-04T00:00:00.000+08:00 INFO planner.ui user=1 admin signed in"
    logging.getLogger("planner.documents.reading").warning("upload %s refused", forged)

    assert len(lines(log_output)) == 1
    assert "政策.docx\\n2026-12-04" in lines(log_output)[0]


def test_log_traceback_on_one_line(log_output):
    try:
        raise ValueError("broken\nvalue")
    except ValueError:
        logging.getLogger("planner.ui").exception("unexpected error, reference %s", "ab12")

    [line] = lines(log_output)
    assert "unexpected error, reference ab12\\nTraceback" in line
    assert line.endswith("ValueError: broken\\nvalue")


@pytest.mark.parametrize(("message", "secret", "kept"), [
    ("engine for postgresql+psycopg://planner:S3cret-pw@db.example.cn/planner",
     "S3cret-pw", "postgresql+psycopg://planner:***@db.example.cn/planner"),
    ("smtp login with password=Hunter2! failed", "Hunter2!", "password=***"),
    ('settings {"api_key": "abc123XYZ"}', "abc123XYZ", '"api_key": "***"'),
    ("header Authorization: Bearer eyJhbGciOi.J9.x", "eyJhbGciOi", "Bearer ***"),
    ("client made with sk-proj-AbCdEf0123456789", "AbCdEf0123456789", "sk-***"),
    ("llm_api_key=ollama-key-42 base=http://127.0.0.1:11434", "ollama-key-42", "llm_api_key=***"),
])
def test_log_masks_secrets(log_output, message, secret, kept):
    logging.getLogger("planner.db").info("%s", message)

    output = log_output.getvalue()
    assert secret not in output
    assert kept in output


def test_log_shortens_long_text_arguments(log_output):
    body = "正文" * 100
    logging.getLogger("planner.x").info("saved %s", body)

    assert body not in log_output.getvalue()
    assert "saved <text of 200 characters>" in log_output.getvalue()


def test_configure_logging_twice_keeps_one_handler(log_output):
    logging_setup.configure_logging("INFO", stream=log_output)
    logging_setup.configure_logging("INFO", stream=log_output)
    logging.getLogger("planner.x").info("once")

    assert lines(log_output) == [line for line in lines(log_output) if "once" in line]
    assert len(lines(log_output)) == 1


@pytest.mark.parametrize(("raw", "expected"), [("debug", logging.DEBUG),
                                               ("WARNING", logging.WARNING),
                                               ("nonsense", logging.INFO)])
def test_log_level_from_environment(monkeypatch, log_output, raw, expected):
    monkeypatch.setenv("PLANNER_LOG_LEVEL", raw)

    logging_setup.configure_logging(stream=log_output)

    assert logging.getLogger("planner").level == expected


def test_log_file_from_environment(monkeypatch, tmp_path, log_output):
    monkeypatch.setenv("PLANNER_LOG_FILE", str(tmp_path / "planner.log"))

    handler = logging_setup.configure_logging("INFO")
    logging.getLogger("planner.x").info("to the file")
    handler.flush()

    assert "to the file" in (tmp_path / "planner.log").read_text(encoding="utf-8")


def test_not_public_draft_text_never_logged(engine, log_output):
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "综合规划处")
        drafter = factories.make_user(session, "drafter", unit=unit, roles={Role.DRAFTER})
        with logging_setup.user_context(drafter.id):
            draft_id = not_public_draft_with_secret(session, drafter)
            drafts.export_docx(session, draft_id, actor=drafter)

    output = log_output.getvalue()
    assert f"user={drafter.id}" in output
    assert f"draft {draft_id}" in output
    assert SECRET_BODY not in output
    assert "过路费" not in output


def not_public_draft_with_secret(session: Session, drafter) -> int:
    parsed = parse_policy_text(SICHUAN.read_text(encoding="utf-8"))
    fields = policies.PolicyFields(title="关于调整收费标准的实施意见（征求意见稿）")
    policy = policies.save_policy(session, actor=drafter, parsed=parsed, fields=fields,
                                  source_name="内部.txt", raw_text=SECRET_BODY)
    draft = drafts.create_from_policy(session, actor=drafter, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.NOT_PUBLIC,
                                      disclosure_reason="涉及尚未决定的收费调整",
                                      disclosure_basis="《政府信息公开条例》第十六条")
    section = drafts.list_sections(session, draft.id)[0]
    drafts.save_section(session, actor=drafter, section_id=section.id, title=section.title,
                        body=SECRET_BODY, base_version=section.version)
    session.commit()
    return draft.id
