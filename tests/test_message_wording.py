"""Messages that read wrongly once real data fills them: a cut heading without an ellipsis,
a due line with both 当日内 and 前, and a reused brief's title with doubled 《《."""

from datetime import date, datetime, timezone

from sqlmodel import select

from planner.deadlines import Due
from planner.i18n import t
from planner.models import AnswerLibraryEntry, Disclosure, DraftKind, DraftSection, Role
from planner.services import deadlines, drafts, policies, review
from tests import factories
from tests.test_answer_library_page import library, open_page  # noqa: F401 (fixture)

POLICY_TEXT = "关于做好交通运输政务公开工作的通知\n各市（州）交通运输局：\n一、总体要求\n做好公开。"
LONG_HEADING = "请介绍一下《全省高速公路春运服务保障“五个一”措施》的有关情况和主要考虑"


def test_placeholder_place_marks_cut_heading(session):
    unit = factories.make_unit(session, "政策法规处")
    drafter = factories.make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER})
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policy = policies.save_policy(session, actor=drafter, parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好政务公开工作的通知"),
                                  source_name="粘贴", raw_text=raw)
    draft = drafts.create_from_policy(session, actor=drafter, policy_id=policy.id,
                                      kind=DraftKind.QA, disclosure=Disclosure.PUBLIC)
    section = session.exec(select(DraftSection).where(DraftSection.draft_id == draft.id)
                           .order_by(DraftSection.position)).all()[-1]
    section.title = LONG_HEADING
    section.body = "（请补充：答复内容）"
    session.add(section)
    session.commit()
    assert len(LONG_HEADING) > review.HEADING_LENGTH

    places = review.placeholder_places(session, draft.id)

    cut = LONG_HEADING[:review.HEADING_LENGTH].replace("“", "‘").replace("”", "’")
    assert f"“{cut}…”（正文）" in places


def test_preview_due_day_reads_once():
    due = Due(at=datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc), day=date(2026, 12, 2))

    line = t("interview_page.preview_due", due=deadlines.describe_due(due),
             status=t("deadlines.status.open"))

    assert "2026年12月2日（当日内）" in line
    assert "前" not in line


def test_reuse_message_nests_title_once(library):  # noqa: F811 (fixture)
    office, target_id = library.office, library.target_id
    drafts.rename(office.session, actor=office.author, draft_id=target_id,
                  title="《全省高速公路春运服务保障》新闻发布会答问口径")
    office.session.commit()
    entry_id = office.session.exec(select(AnswerLibraryEntry.id)
                                   .where(AnswerLibraryEntry.section_key == "part_1")).one()
    app = open_page(office.author)

    app.selectbox(key="library_target").set_value(target_id).run()
    app.button(key=f"library_reuse_{entry_id}").click().run()

    assert not app.exception
    messages = [s.value for s in app.success if s.value.startswith("已复用到")]
    assert messages
    assert "《〈全省高速公路春运服务保障〉新闻发布会答问口径》" in messages[0]
    assert "《《" not in messages[0]
