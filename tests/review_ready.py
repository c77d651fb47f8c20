"""Make a draft ready for 送审 in tests, the way an office does: write the fill-in prompts
(（请补充：…）, （请填写…）) that templates leave, through the services, and have someone
for each review level."""

from sqlmodel import Session

from planner.models import DraftKind, Role, Unit, User
from planner.services import drafts, event_documents, review
from tests.factories import make_unit, make_user

MARKERS = ("（请补充：", "（请填写")
FILLED = "（已补写）"


def without_prompts(text: str) -> str:
    """Replace each prompt, up to its matching closing bracket, with FILLED."""
    for marker in MARKERS:
        while marker in text:
            start = text.index(marker)
            depth, end = 0, start
            for end in range(start, len(text)):
                depth += {"（": 1, "）": -1}.get(text[end], 0)
                if depth == 0:
                    break
            text = text[:start] + FILLED + text[end + 1:]
    return text


def fill_placeholders(session: Session, actor: User, draft_id: int) -> None:
    """Rewrite the title and every section field that contains a prompt; commits."""
    draft = drafts.get_draft(session, draft_id)
    if without_prompts(draft.title) != draft.title:
        drafts.rename(session, actor=actor, draft_id=draft_id,
                      title=without_prompts(draft.title))

    for section in drafts.list_sections(session, draft_id):
        title, body = without_prompts(section.title), without_prompts(section.body)
        if (title, body) != (section.title, section.body):
            drafts.save_section(session, actor=actor, section_id=section.id, title=title,
                                body=body, base_version=section.version)
        details = {name: without_prompts(getattr(section, name))
                   for name in ("key_points", "avoid_phrasing", "source_ref")}
        changed = any(details[name] != getattr(section, name) for name in details)
        if draft.kind == DraftKind.ANSWER_BRIEF and changed:
            event_documents.save_answer_details(session, actor=actor, section_id=section.id,
                                                tier=section.tier, **details)
    session.commit()
    assert review.placeholder_places(session, draft_id) == []


def add_reviewers(session: Session, unit: Unit,
                  prefix: str = "reviewer") -> tuple[User, User, User]:
    """Add a 承办人员 (初审) and a 承办部门负责人 (审核) to `unit` and a 单位负责人 (审发) in
    厅领导; return them in that order. Commits."""
    return (make_user(session, f"{prefix}_first", unit=unit, roles={Role.DRAFTER}),
            make_user(session, f"{prefix}_second", unit=unit, roles={Role.DEPARTMENT_HEAD}),
            make_user(session, f"{prefix}_final", unit=make_unit(session, "厅领导"),
                      roles={Role.UNIT_HEAD}))


def make_ready(session: Session, actor: User, draft_id: int) -> None:
    """Add reviewers to the draft's unit and write its prompts as `actor`; commits."""
    unit = session.get(Unit, drafts.get_draft(session, draft_id).unit_id)
    add_reviewers(session, unit, prefix=f"reviewer{draft_id}")
    fill_placeholders(session, actor, draft_id)
