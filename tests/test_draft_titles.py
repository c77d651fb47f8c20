"""Draft titles stop at the length of the draft.title column (300 characters), on rename
and when a draft is generated from a policy. A longer title gets a Chinese message, because
PostgreSQL would reject it for the VARCHAR(300) column and SQLite would store it."""

import pytest

from planner.errors import InvalidInput
from planner.models import Disclosure, Draft, DraftKind, Role
from planner.services import drafts, policies
from tests import factories

POLICY_TEXT = "关于做好交通运输政务公开工作的通知\n各市（州）交通运输局：\n一、总体要求\n做好公开。"


@pytest.fixture
def drafter(any_session):
    unit = factories.make_unit(any_session, "政策法规处")
    return factories.make_user(any_session, "zhangming", unit=unit, roles={Role.DRAFTER})


def save_policy(session, actor, title: str):
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=actor, parsed=parsed,
                                  fields=policies.PolicyFields(title=title),
                                  source_name="粘贴", raw_text=raw)
    session.commit()
    return policy


def new_draft(session, actor) -> Draft:
    policy = save_policy(session, actor, "关于做好交通运输政务公开工作的通知")
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.PUBLIC)
    session.commit()
    return draft


def test_rename_at_limit_saved(any_session, drafter):
    draft = new_draft(any_session, drafter)
    title = "标" * drafts.MAX_TITLE_LENGTH

    drafts.rename(any_session, actor=drafter, draft_id=draft.id, title=title)
    any_session.commit()

    any_session.expire_all()
    assert any_session.get(Draft, draft.id).title == title


def test_rename_too_long_rejected(any_session, drafter):
    draft = new_draft(any_session, drafter)
    before = draft.title

    with pytest.raises(InvalidInput) as error:
        drafts.rename(any_session, actor=drafter, draft_id=draft.id, title="标" * 367)
    any_session.rollback()

    assert error.value.key == "draft.title_too_long"
    assert "367" in error.value.message
    assert "300" in error.value.message
    assert any_session.get(Draft, draft.id).title == before


def test_rename_counts_without_outer_spaces(any_session, drafter):
    draft = new_draft(any_session, drafter)
    title = "标" * drafts.MAX_TITLE_LENGTH

    drafts.rename(any_session, actor=drafter, draft_id=draft.id, title=f"  {title}\u3000")

    assert any_session.get(Draft, draft.id).title == title


def test_create_with_too_long_title_rejected(any_session, drafter):
    # A policy title at its own limit makes a 政策解读 title longer than the draft's limit.
    policy = save_policy(any_session, drafter, "政" * policies.MAX_TITLE_LENGTH)

    with pytest.raises(InvalidInput) as error:
        drafts.create_from_policy(any_session, actor=drafter, policy_id=policy.id,
                                  kind=DraftKind.INTERPRETATION, disclosure=Disclosure.PUBLIC)
    any_session.rollback()

    assert error.value.key == "draft.generated_title_too_long"
    assert "政策文件" in error.value.message
    assert drafts.list_drafts(any_session) == []
