"""Revising a policy with a text that names another title, and header fields it states."""
from datetime import date

import pytest
from sqlmodel import Session

from planner.errors import InvalidInput
from planner.models import Policy
from planner.services import policies
from tests.test_policy_revisions import (TITLE, click, open_policies, revise, revised_text,
                                         save_sichuan)
from tests.test_policy_revisions import author, saved, staff  # noqa: F401  (fixtures)

OTHER_TITLE = "四川省交通运输厅关于加强公路养护管理的通知"


@pytest.fixture
def dated_policy(any_session, author):  # noqa: F811
    return save_sichuan(any_session, author, issue_date=date(2019, 4, 3), issuer="旧的发文机关")


def test_revise_other_title_rejected(any_session, author, dated_policy):  # noqa: F811
    with pytest.raises(InvalidInput) as raised:
        revise(any_session, author, dated_policy.id, text=OTHER_TITLE + "\n" + revised_text())

    assert raised.value.key == "policy.revision_title_differs"
    any_session.rollback()
    assert any_session.get(Policy, dated_policy.id).title == TITLE


def test_revise_other_title_confirmed(any_session, author, dated_policy):  # noqa: F811
    revise(any_session, author, dated_policy.id, text=OTHER_TITLE + "\n" + revised_text(),
           confirm_title_change=True)

    assert any_session.get(Policy, dated_policy.id).title == OTHER_TITLE


def test_revise_same_title_other_spacing(any_session, author, dated_policy):  # noqa: F811
    # identity_key ignores spaces and punctuation, as find_duplicates does.
    spaced = TITLE[:6] + " " + TITLE[6:]

    revise(any_session, author, dated_policy.id, text=spaced + "\n" + revised_text())

    assert any_session.get(Policy, dated_policy.id).title == spaced


def test_preview_flags_other_title(any_session, dated_policy):
    parsed, raw = policies.parse_pasted(OTHER_TITLE + "\n" + revised_text())

    preview = policies.preview_revision(any_session, policy_id=dated_policy.id, parsed=parsed,
                                        raw_text=raw)

    assert preview.title_changed
    assert preview.header["title"] == (TITLE, OTHER_TITLE)


def test_preview_without_title_not_flagged(any_session, dated_policy):
    parsed, raw = policies.parse_pasted(revised_text())

    preview = policies.preview_revision(any_session, policy_id=dated_policy.id, parsed=parsed,
                                        raw_text=raw)

    assert not preview.title_changed


def test_revise_takes_stated_date_and_issuer(any_session, author, dated_policy):  # noqa: F811
    # The fixture's signature states 四川省交通运输厅 and 2014年1月10日.
    revise(any_session, author, dated_policy.id)

    any_session.expire_all()
    stored = any_session.get(Policy, dated_policy.id)
    assert stored.issue_date == date(2014, 1, 10)
    assert stored.issuer == "四川省交通运输厅"


def test_page_other_title_needs_tick(app_engine, staff, saved):  # noqa: F811
    app = open_policies(staff)
    app.text_area(key="policies_revise_paste").input(OTHER_TITLE + "\n" + revised_text()).run()
    click(app, "解析修订版")

    warnings = "\n".join(w.value for w in app.warning)
    assert f"修订版的标题《{OTHER_TITLE}》与《{TITLE}》不同" in warnings
    click(app, "确认以修订版替换")
    assert not app.exception
    assert "我确认这是同一文件的修订版" in app.error[0].value
    with Session(app_engine) as session:
        assert session.get(Policy, saved.id).title == TITLE

    app.checkbox(key=[c.key for c in app.checkbox
                      if c.label == "我确认这是同一文件的修订版"][0]).check().run()
    click(app, "确认以修订版替换")

    assert not app.exception
    assert not app.error
    with Session(app_engine) as session:
        assert session.get(Policy, saved.id).title == OTHER_TITLE


def test_page_same_title_has_no_tick(app_engine, staff, saved):  # noqa: F811
    app = open_policies(staff)
    app.text_area(key="policies_revise_paste").input(revised_text()).run()
    click(app, "解析修订版")

    assert not [c for c in app.checkbox if c.label == "我确认这是同一文件的修订版"]
    assert "标题" not in "\n".join(w.value for w in app.warning)
