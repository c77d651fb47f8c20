"""An event's documents on a real SQLite file: created from the event with the 公开属性
chosen, one per role, who may create them, their review, the 预告 gate, the answer brief's
own fields, and each rendered as Word in the GB/T 9704-2012 layout."""

import threading
import time
from io import BytesIO

import pytest
from docx import Document
from sqlmodel import Session, select

from planner.documents.templates import load_template_spec
from planner.documents.word import check_gbt9704
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import (AuditEntry, Disclosure, DraftKind, DraftSection, DraftStatus,
                            EventDocument, EventDraftLink, EventKind, EventStatus, Role)
from planner.services import coedit, drafts, event_documents, review
from tests import factories
from tests.event_docs_setup import make_press_office
from tests.review_ready import fill_placeholders

REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"


@pytest.fixture
def office(session):
    return make_press_office(session)


def create(office, event, role, actor=None, **overrides):
    values = dict(disclosure=Disclosure.PUBLIC)
    values.update(overrides)
    draft = event_documents.create_document(office.session, actor=actor or office.spokesperson,
                                            event_id=event.id, role=role, **values)
    office.session.commit()
    return draft


def bodies(session, draft_id) -> dict[str, str]:
    return {s.key: s.body for s in drafts.list_sections(session, draft_id)}


# --- creation ----------------------------------------------------------------------------

@pytest.mark.parametrize("role, kind", event_documents.ROLE_KINDS.items())
def test_create_document_makes_linked_draft_of_kind(office, role, kind):
    event = office.event()

    draft = create(office, event, role)

    link = office.session.exec(select(EventDraftLink)
                               .where(EventDraftLink.draft_id == draft.id)).one()
    assert draft.kind == kind
    assert link.event_id == event.id
    assert link.role == role
    assert draft.unit_id == office.drafting.id
    assert draft.policy_id == office.policy.id
    assert draft.status == DraftStatus.DRAFT
    assert draft.created_by == office.spokesperson.id


@pytest.mark.parametrize("role", [r for r in EventDocument if r != EventDocument.ANSWER_BRIEF])
def test_create_document_sections_follow_template(office, role):
    draft = create(office, office.event(), role)

    spec = load_template_spec(event_documents.ROLE_KINDS[role])
    sections = drafts.list_sections(office.session, draft.id)
    assert [s.key for s in sections] == [entry.key for entry in spec.sections]
    assert all(s.body.strip() for s in sections)


def test_create_document_plan_quotes_event(office):
    draft = create(office, office.event(), EventDocument.PLAN, disclosure=Disclosure.NOT_PUBLIC,
                   disclosure_reason=REASON, disclosure_basis=BASIS)

    text = bodies(office.session, draft.id)
    assert draft.title == "“政务公开工作”新闻发布会工作方案"
    assert text["time"] == "2026年12月8日 15:00—16:00"
    assert text["place"] == "厅新闻发布厅；线上：https://live.example.gov.cn/room/8"
    assert text["spokespeople"] == "陈静、王强"
    assert text["host"] == "刘洋"
    assert text["guests"] == "孙伟 省交通宣传中心主任\n周敏 西南交通大学教授（解读专家）"
    assert text["media"] == "四川日报、四川广播电视台"
    assert text["agenda"] == ("1. 主持人开场\n2. 发布政务公开工作有关情况\n"
                              "3. 回答记者提问")
    assert "《四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见》" \
           "（川交函〔2014〕25号）全文及政策解读" in text["materials"]
    assert text["duties"].startswith("（请补充：")


def test_create_document_nested_policy_title_uses_single_marks(office):
    office.policy.title = "四川省交通运输厅关于印发《政务公开工作办法》的通知"
    office.session.add(office.policy)
    office.session.commit()

    draft = create(office, office.event(), EventDocument.PLAN)

    materials = bodies(office.session, draft.id)["materials"]
    assert "《四川省交通运输厅关于印发〈政务公开工作办法〉的通知》（川交函〔2014〕25号）" in materials
    assert "《政务公开工作办法》的通知》" not in materials


def test_create_document_late_event_dates(office):
    # 23:30 to 00:30 Beijing time is 15:30 to 16:30 UTC on one day: shown over two dates.
    from datetime import datetime

    from planner.timeutil import OFFICE_TZ, to_utc
    event = office.event(starts_at=to_utc(datetime(2026, 12, 31, 23, 30, tzinfo=OFFICE_TZ)),
                         ends_at=to_utc(datetime(2027, 1, 1, 0, 30, tzinfo=OFFICE_TZ)))

    draft = create(office, event, EventDocument.PREVIEW)

    text = bodies(office.session, draft.id)
    assert text["time"] == "2026年12月31日 23:30—2027年1月1日 00:30"
    assert text["length"] == "约60分钟"


def test_create_document_preview_has_guests_length_and_channel(office):
    event = office.event(kind=EventKind.ONLINE_INTERVIEW, venue="", topic="农村公路建设")

    draft = create(office, event, EventDocument.PREVIEW)

    text = bodies(office.session, draft.id)
    assert draft.title == "在线访谈预告：农村公路建设"
    assert text["guests"] == "孙伟 省交通宣传中心主任"
    assert text["length"] == "约60分钟"
    assert text["watch"] == "线上：https://live.example.gov.cn/room/8"
    assert text["questions"] == "https://www.example.gov.cn/ask（12月7日18时前）"
    assert text["intro"].startswith("2026年12月8日 15:00—16:00，孙伟将围绕“农村公路建设”")


def test_create_document_release_summarises_policy(office):
    draft = create(office, office.event(), EventDocument.PRESS_RELEASE)

    text = bodies(office.session, draft.id)
    assert text["intro"] == ("2026年12月8日，四川省交通运输厅举行新闻发布会，陈静、王强介绍"
                             "政务公开工作有关情况，并回答记者提问。")
    assert "《实施意见》共三个部分" in text["content"]
    assert "四川日报、四川广播电视台等媒体参加了本次新闻发布会。" in text["attendance"]


def test_create_document_transcript_leaves_speech_to_complete(office):
    draft = create(office, office.event(), EventDocument.TRANSCRIPT)

    text = bodies(office.session, draft.id)
    assert "时间：2026年12月8日 15:00—16:00" in text["intro"].splitlines()
    assert text["opening"] == "主持人（刘洋）：（请补充：主持人的开场白）"
    assert text["statements"].splitlines()[0].startswith("陈静：（请补充")


def test_create_document_answer_brief_proposes_questions_per_part(office):
    draft = create(office, office.event(), EventDocument.ANSWER_BRIEF,
                   disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON,
                   disclosure_basis=BASIS)

    sections = drafts.list_sections(office.session, draft.id)
    questions = sections[1:]
    assert sections[0].key == "intro"
    assert "内部掌握，不对外公开" in sections[0].body
    assert [q.key for q in questions] == ["background", "significance", "content", "part_1",
                                          "part_2", "implementation"]
    assert {q.tier for q in questions} == {"likely"}
    assert [q.source_ref for q in questions if q.key.startswith("part_")] == ["一、", "二、"]
    assert questions[3].key_points.splitlines() == ["加强新闻发言人制度建设",
                                                    "加强交通运输门户网站建设",
                                                    "加强新媒体应用", "加强查阅场所建设"]


def test_answer_brief_without_policy_generic(office):
    event = office.event(policy_id=None, topic="春运服务保障")

    draft = create(office, event, EventDocument.ANSWER_BRIEF)

    questions = drafts.list_sections(office.session, draft.id)[1:]
    assert [q.tier for q in questions] == ["must", "likely", "likely", "reserve"]
    assert questions[0].title == "请介绍一下春运服务保障的有关情况。"
    assert draft.policy_id is None


def test_create_document_audited(office):
    event = office.event()

    draft = create(office, event, EventDocument.PLAN)

    row = office.session.exec(select(AuditEntry)
                              .where(AuditEntry.action == "event.document_create")).one()
    assert row.entity == "draft"
    assert row.entity_id == draft.id
    assert f'"event_id":{event.id}' in row.detail.replace(" ", "")
    assert '"role":"plan"' in row.detail.replace(" ", "")


def test_create_document_second_time_refused(office):
    event = office.event()
    first = create(office, event, EventDocument.PRESS_RELEASE)

    with pytest.raises(Conflict) as caught:
        create(office, event, EventDocument.PRESS_RELEASE, actor=office.author)

    assert first.title in caught.value.message
    assert f"稿件编号 {first.id}" in caught.value.message
    assert len(event_documents.documents_for(office.session, event.id)) == 1


def test_create_document_same_role_other_event_allowed(office):
    create(office, office.event(), EventDocument.PLAN)

    other = create(office, office.event(topic="另一场发布会"), EventDocument.PLAN)

    assert other.id is not None


def test_create_document_disclosure_missing_refused(office):
    with pytest.raises(InvalidInput):
        create(office, office.event(), EventDocument.PLAN, disclosure=None)


def test_create_document_not_public_needs_reason_and_basis(office):
    with pytest.raises(InvalidInput) as caught:
        create(office, office.event(), EventDocument.PLAN, disclosure=Disclosure.NOT_PUBLIC,
               disclosure_basis=BASIS)

    assert "理由" in caught.value.message


def test_create_document_public_drops_reason(office):
    draft = create(office, office.event(), EventDocument.PLAN, disclosure=Disclosure.PUBLIC,
                   disclosure_reason=REASON, disclosure_basis=BASIS)

    assert (draft.disclosure_reason, draft.disclosure_basis) == ("", "")


def test_create_document_not_public_keeps_reason(office):
    draft = create(office, office.event(), EventDocument.ANSWER_BRIEF,
                   disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON,
                   disclosure_basis=BASIS)

    assert draft.disclosure == Disclosure.NOT_PUBLIC
    assert (draft.disclosure_reason, draft.disclosure_basis) == (REASON, BASIS)


@pytest.mark.parametrize("who, allowed", [
    ("spokesperson", True),   # an organiser, in another unit
    ("clerk", True),          # 厅办公室
    ("author", True),         # 承办人员 of the event's unit
    ("outsider", False),      # 承办人员 of another unit
    ("head", False),          # 承办部门负责人 drafts nothing
    ("boss", False),
])
def test_create_document_permissions(office, who, allowed):
    event = office.event()
    actor = getattr(office, who)

    if allowed:
        assert create(office, event, EventDocument.PLAN, actor=actor).id is not None
    else:
        with pytest.raises(PermissionDenied) as caught:
            create(office, event, EventDocument.PLAN, actor=actor)
        assert "政策法规处" in caught.value.message
    assert event_documents.may_create(office.session, actor=actor, event_id=event.id) is allowed


def test_create_document_inactive_spokesperson_refused(office):
    office.spokesperson.is_active = False
    office.session.commit()

    with pytest.raises(PermissionDenied):
        create(office, office.event(), EventDocument.PLAN)


@pytest.mark.parametrize("status, label", [(EventStatus.CANCELLED, "已取消"),
                                           (EventStatus.ARCHIVED, "已归档")])
def test_create_document_closed_event_refused(office, status, label):
    event = office.event(status=status)

    with pytest.raises(Conflict) as caught:
        create(office, event, EventDocument.TRANSCRIPT)

    assert caught.value.message.startswith(f"活动“政务公开工作”{label}，不能再起草文档。")
    assert event_documents.closed_reason(office.session, event.id) == caught.value.message
    assert event_documents.documents_for(office.session, event.id) == {}


@pytest.mark.parametrize("status", [EventStatus.PLANNING, EventStatus.APPROVED,
                                    EventStatus.ANNOUNCED, EventStatus.HELD])
def test_create_document_open_event_allowed(office, status):
    event = office.event(status=status)

    draft = create(office, event, EventDocument.TRANSCRIPT)

    assert event_documents.closed_reason(office.session, event.id) is None
    assert event_documents.documents_for(office.session, event.id) == {
        EventDocument.TRANSCRIPT: draft}


def test_create_document_unknown_event_not_found(office):
    with pytest.raises(NotFound):
        event_documents.create_document(office.session, actor=office.spokesperson,
                                        event_id=9999, role=EventDocument.PLAN,
                                        disclosure=Disclosure.PUBLIC)


def test_create_document_unknown_role_refused(office):
    with pytest.raises(InvalidInput) as caught:
        create(office, office.event(), "speech")

    assert "speech" in caught.value.message


def test_create_document_event_without_unit_uses_creator_unit(office):
    event = office.event(unit_id=None)

    draft = create(office, event, EventDocument.PLAN)

    assert draft.unit_id == office.publicity.id


# --- reading and the review -------------------------------------------------------------

def test_documents_for_lists_roles_with_status(office):
    event = office.event()
    plan = create(office, event, EventDocument.PLAN)
    release = create(office, event, EventDocument.PRESS_RELEASE)
    fill_placeholders(office.session, office.spokesperson, release.id)
    review.submit(office.session, actor=office.spokesperson, draft_id=release.id)
    office.session.commit()

    found = event_documents.documents_for(office.session, event.id)

    assert set(found) == {EventDocument.PLAN, EventDocument.PRESS_RELEASE}
    assert found[EventDocument.PLAN].id == plan.id
    assert found[EventDocument.PRESS_RELEASE].status == DraftStatus.PENDING_FIRST


def test_documents_for_ignores_plain_links(office):
    event = office.event()
    other = drafts.create_from_policy(office.session, actor=office.author,
                                      policy_id=office.policy.id, kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.PUBLIC)
    office.session.add(EventDraftLink(event_id=event.id, draft_id=other.id))
    office.session.commit()

    assert event_documents.documents_for(office.session, event.id) == {}


def test_preview_released_follows_review(office):
    event = office.event(kind=EventKind.ONLINE_INTERVIEW)
    assert event_documents.preview_released(office.session, event.id) is False
    preview = create(office, event, EventDocument.PREVIEW)

    review.submit(office.session, actor=office.author, draft_id=preview.id)
    for reviewer in (office.peer, office.head):
        review.approve(office.session, actor=reviewer, draft_id=preview.id)
    office.session.commit()
    assert event_documents.preview_released(office.session, event.id) is False

    review.approve(office.session, actor=office.boss, draft_id=preview.id)
    office.session.commit()
    assert event_documents.preview_released(office.session, event.id) is True

    review.release(office.session, actor=office.author, draft_id=preview.id)
    office.session.commit()
    assert event_documents.preview_released(office.session, event.id) is True


def test_preview_released_false_after_edit_resets(office):
    event = office.event(kind=EventKind.ONLINE_INTERVIEW)
    preview = create(office, event, EventDocument.PREVIEW)
    office.approve_fully(preview.id)
    section = drafts.list_sections(office.session, preview.id)[1]

    drafts.save_section(office.session, actor=office.author, section_id=section.id,
                        title=section.title, body="改期后的主题", base_version=section.version,
                        confirm_reset=True)
    office.session.commit()

    assert event_documents.preview_released(office.session, event.id) is False


def test_preview_released_ignores_other_roles(office):
    event = office.event()
    plan = create(office, event, EventDocument.PLAN)
    office.approve_fully(plan.id)

    assert event_documents.preview_released(office.session, event.id) is False


# --- the answer brief's own fields ------------------------------------------------------

@pytest.fixture
def brief(office):
    event = office.event()
    return create(office, event, EventDocument.ANSWER_BRIEF, actor=office.author,
                  disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON,
                  disclosure_basis=BASIS)


def question(office, draft_id, index=1) -> DraftSection:
    return drafts.list_sections(office.session, draft_id)[index]


def save_details(office, section_id, actor=None, **overrides):
    values = dict(tier="must", key_points="贯彻上级部署\n回应社会关切",
                  avoid_phrasing="不说“史上最严”", source_ref="开头部分")
    values.update(overrides)
    saved = event_documents.save_answer_details(office.session, actor=actor or office.author,
                                                section_id=section_id, **values)
    office.session.commit()
    return saved


def test_save_answer_details_stores_fields(office, brief):
    section = question(office, brief.id)

    save_details(office, section.id)

    stored = office.session.get(DraftSection, section.id)
    assert stored.tier == "must"
    assert stored.key_points == "贯彻上级部署\n回应社会关切"
    assert stored.avoid_phrasing == "不说“史上最严”"
    assert stored.source_ref == "开头部分"
    actions = office.session.exec(select(AuditEntry.action)).all()
    assert "draft.answer_details_save" in actions


def test_save_answer_details_join_reviewed_content(office, brief):
    before = review.content_hash(review.current_content(office.session, brief.id))

    save_details(office, question(office, brief.id).id)

    content = review.current_content(office.session, brief.id)
    assert content["sections"][1]["tier"] == "must"
    assert content["sections"][1]["avoid_phrasing"] == "不说“史上最严”"
    assert review.content_hash(content) != before


def test_save_answer_details_after_submission_needs_confirmation(office, brief):
    review.submit(office.session, actor=office.author, draft_id=brief.id)
    office.session.commit()
    section = question(office, brief.id)

    with pytest.raises(InvalidInput):
        save_details(office, section.id)
    office.session.rollback()
    save_details(office, section.id, confirm_reset=True)

    assert office.session.get(type(brief), brief.id).status == DraftStatus.DRAFT


def test_save_answer_details_invalid_tier_refused(office, brief):
    with pytest.raises(InvalidInput) as caught:
        save_details(office, question(office, brief.id).id, tier="maybe")

    assert "maybe" in caught.value.message


def test_save_answer_details_intro_refused(office, brief):
    with pytest.raises(InvalidInput):
        save_details(office, question(office, brief.id, index=0).id)


def test_save_answer_details_other_unit_refused(office, brief):
    with pytest.raises(PermissionDenied):
        save_details(office, question(office, brief.id).id, actor=office.outsider)


def test_save_answer_details_too_long_refused(office, brief):
    with pytest.raises(InvalidInput) as caught:
        save_details(office, question(office, brief.id).id, key_points="要" * 5001)

    assert "答题要点" in caught.value.message


def test_save_answer_details_expert_allowed(office, brief):
    expert = factories.make_user(office.session, "liuyang", unit=office.publicity,
                                 roles={Role.EXPERT})
    # The brief is 不公开, so an expert of another unit works on it once assigned a part.
    coedit.assign_section(office.session, actor=office.author,
                          section_id=question(office, brief.id).id, assignee_id=expert.id,
                          read_only=False)

    save_details(office, question(office, brief.id).id, actor=expert, tier="reserve")

    assert question(office, brief.id).tier == "reserve"


# --- Word output ------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(EventDocument))
def test_event_document_renders_in_layout(office, role):
    draft = create(office, office.event(), role)

    name, data = drafts.export_docx(office.session, draft.id, actor=office.spokesperson)

    paragraphs = [p.text for p in Document(BytesIO(data)).paragraphs if p.text]
    assert name.endswith(".docx")
    assert paragraphs[0] == draft.title
    assert paragraphs[-1] == "四川省交通运输厅"
    assert check_gbt9704(data) == []


def test_answer_brief_word_shows_every_field(office, brief):
    save_details(office, question(office, brief.id).id)

    _, data = drafts.export_docx(office.session, brief.id, actor=office.author)

    text = [p.text for p in Document(BytesIO(data)).paragraphs if p.text]
    first = text.index("一、【必答】为什么要出台《实施意见》？")
    assert text[first + 1] == "答题要点：贯彻上级部署"
    assert text[first + 2] == "回应社会关切"
    assert text[first + 3].startswith("答：为认真贯彻落实")
    assert text[first + 4] == "依据：开头部分"
    assert text[first + 5] == "避免的表述：不说“史上最严”"
    assert text[first + 6].startswith("二、【可能问】")
    assert check_gbt9704(data) == []


def test_library_suggestions_none_without_policy(office):
    event = office.event(policy_id=None)

    assert event_documents.library_suggestions(office.session, event.id) is None


def test_create_document_concurrent_second_refused(office, engine):
    """Two people draft the same role at once: the second waits for the first's commit
    and is refused, instead of creating a second document."""
    event = office.event()
    first = Session(engine, expire_on_commit=False)
    second = Session(engine, expire_on_commit=False)
    outcome = {}

    def second_create():
        actor = second.get(type(office.author), office.author.id)
        try:
            event_documents.create_document(second, actor=actor, event_id=event.id,
                                            role=EventDocument.PLAN,
                                            disclosure=Disclosure.PUBLIC)
            second.commit()
            outcome["result"] = "created"
        except Conflict:
            second.rollback()
            outcome["result"] = "conflict"

    event_documents.create_document(first, actor=first.get(type(office.clerk), office.clerk.id),
                                    event_id=event.id, role=EventDocument.PLAN,
                                    disclosure=Disclosure.PUBLIC)
    worker = threading.Thread(target=second_create)
    worker.start()
    time.sleep(0.3)    # the second create is now waiting for the write lock
    first.commit()
    worker.join(timeout=10)
    first.close()
    second.close()

    assert outcome == {"result": "conflict"}
    office.session.expire_all()
    assert len(event_documents.documents_for(office.session, event.id)) == 1
