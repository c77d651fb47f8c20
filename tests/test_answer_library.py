"""答问口径库 on a real SQLite file: entries made by the real three-level review, Chinese
search with several terms, the policy-changed flag, reuse in another brief, and who may
read and reuse."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from planner.errors import InvalidInput, NotFound, PermissionDenied
from planner.i18n import inside_book_marks
from planner.models import (AnswerLibraryEntry, AuditEntry, Disclosure, DraftKind,
                            DraftSectionVersion, DraftStatus, EventDocument, EventDraftLink,
                            Policy, PolicySection, ReviewDecision, ReviewLevel)
from planner.services import answer_library, drafts, event_documents, policies, review
from planner.timeutil import now_utc
from tests import factories
from tests.event_docs_setup import make_press_office

REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"


@pytest.fixture
def office(session):
    return make_press_office(session)


def new_brief(office, event=None, **event_overrides):
    event = event or office.event(**event_overrides)
    draft = event_documents.create_document(
        office.session, actor=office.author, event_id=event.id, role=EventDocument.ANSWER_BRIEF,
        disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON, disclosure_basis=BASIS)
    office.session.commit()
    return draft


def entries(session) -> list[AnswerLibraryEntry]:
    return list(session.exec(select(AnswerLibraryEntry).order_by(AnswerLibraryEntry.id)))


def set_details(office, draft_id, key, **values):
    section = next(s for s in drafts.list_sections(office.session, draft_id) if s.key == key)
    fields = dict(tier=section.tier, key_points=section.key_points,
                  avoid_phrasing=section.avoid_phrasing, source_ref=section.source_ref)
    fields.update(values)
    event_documents.save_answer_details(office.session, actor=office.author,
                                        section_id=section.id, **fields)
    office.session.commit()


@pytest.fixture
def approved(office):
    """An answer brief for the policy's press conference, with one must-answer question
    carrying phrasing to avoid, approved through 初审, 审核 and 审发."""
    brief = new_brief(office)
    set_details(office, brief.id, "part_1", tier="must", avoid_phrasing="不说“全面建成”")
    office.approve_fully(brief.id)
    return brief


# --- entries from the review -------------------------------------------------------------

def test_final_approval_adds_each_question(office, approved):
    found = entries(office.session)
    questions = [s for s in drafts.list_sections(office.session, approved.id) if s.key != "intro"]

    assert [e.section_key for e in found] == [q.key for q in questions]
    assert [e.question for e in found] == [q.title for q in questions]
    assert [e.answer for e in found] == [q.body for q in questions]


def test_final_approval_entry_fields(office, approved):
    entry = next(e for e in entries(office.session) if e.section_key == "part_1")
    final = office.session.exec(select(ReviewDecision)
                                .where(ReviewDecision.level == ReviewLevel.FINAL)).one()
    link = office.session.exec(select(EventDraftLink)
                               .where(EventDraftLink.draft_id == approved.id)).one()

    assert entry.tier == "must"
    assert entry.sources == "一、"
    assert entry.key_points.startswith("加强新闻发言人制度建设")
    assert entry.avoid_phrasing == "不说“全面建成”"
    assert entry.draft_id == approved.id
    assert entry.review_round == 1
    assert entry.approved_at == final.at
    assert entry.event_id == link.event_id
    assert entry.policy_id == office.policy.id
    assert entry.policy_hash == answer_library.current_policy_hashes(
        office.session, {office.policy.id})[office.policy.id]
    assert "加强新闻发言人制度建设" in entry.search_text


def test_final_approval_audited(office, approved):
    row = office.session.exec(select(AuditEntry)
                              .where(AuditEntry.action == "answer_library.add")).one()

    assert row.entity_id == approved.id
    assert row.actor_id == office.boss.id


def test_earlier_levels_add_nothing(office):
    brief = new_brief(office)
    review.submit(office.session, actor=office.author, draft_id=brief.id)
    review.approve(office.session, actor=office.peer, draft_id=brief.id)
    review.approve(office.session, actor=office.head, draft_id=brief.id)
    office.session.commit()

    assert entries(office.session) == []


def test_other_kinds_add_nothing(office):
    release = event_documents.create_document(
        office.session, actor=office.author, event_id=office.event().id,
        role=EventDocument.PRESS_RELEASE, disclosure=Disclosure.PUBLIC)
    office.session.commit()

    office.approve_fully(release.id)

    assert entries(office.session) == []


def test_return_and_second_round_adds_round_two(office):
    brief = new_brief(office)
    review.submit(office.session, actor=office.author, draft_id=brief.id)
    review.return_to_drafter(office.session, actor=office.peer, draft_id=brief.id,
                             reason="请补充依据")
    office.session.commit()

    office.approve_fully(brief.id)

    assert {e.review_round for e in entries(office.session)} == {2}


def test_edit_and_reapproval_keeps_both_rounds(office, approved):
    section = next(s for s in drafts.list_sections(office.session, approved.id)
                   if s.key == "part_1")
    event_documents.save_answer_details(office.session, actor=office.author,
                                        section_id=section.id, tier="reserve",
                                        key_points=section.key_points,
                                        avoid_phrasing=section.avoid_phrasing,
                                        source_ref=section.source_ref, confirm_reset=True)
    office.session.commit()

    office.approve_fully(approved.id)

    part_1 = [e for e in entries(office.session) if e.section_key == "part_1"]
    assert [(e.review_round, e.tier) for e in part_1] == [(1, "must"), (2, "reserve")]


def test_failed_hook_rolls_back_approval(office, monkeypatch):
    brief = new_brief(office)
    review.submit(office.session, actor=office.author, draft_id=brief.id)
    review.approve(office.session, actor=office.peer, draft_id=brief.id)
    review.approve(office.session, actor=office.head, draft_id=brief.id)
    office.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("library unavailable")

    monkeypatch.setattr(answer_library, "add_from_approval", broken)
    with pytest.raises(RuntimeError):
        review.approve(office.session, actor=office.boss, draft_id=brief.id)
    office.session.rollback()

    assert office.session.get(type(brief), brief.id).status == DraftStatus.PENDING_FINAL


# --- search ------------------------------------------------------------------------------

def test_search_single_chinese_term(office, approved):
    page = answer_library.search(office.session, query="新闻发言人")

    assert page.total >= 1
    assert all("新闻发言人" in hit.entry.search_text for hit in page.hits)


def test_search_all_terms_must_match(office, approved):
    both = answer_library.search(office.session, query="新闻发言人 门户网站")
    neither = answer_library.search(office.session, query="新闻发言人 高速公路收费")

    assert [hit.entry.section_key for hit in both.hits] == ["part_1", "content"]
    assert neither.total == 0
    assert neither.hits == []


def test_search_full_width_forms(office, approved):
    halfwidth = answer_library.search(office.session, query="新闻发言人 门户网站")
    fullwidth = answer_library.search(office.session, query="新闻发言人\u3000门户网站")
    bracket = answer_library.search(office.session, query="(川办发")

    assert fullwidth.total == halfwidth.total == 2
    assert "background" in {hit.entry.section_key for hit in bracket.hits}


def test_search_matches_sources(office, approved):
    page = answer_library.search(office.session, query="开头部分")

    assert {hit.entry.section_key for hit in page.hits} >= {"background"}


def test_search_empty_query_lists_all_newest_first(office, approved):
    later = new_brief(office, topic="第二场发布会")
    office.approve_fully(later.id)

    page = answer_library.search(office.session, query="  ")

    assert page.total == 12
    assert [hit.entry.draft_id for hit in page.hits[:6]] == [later.id] * 6
    approved_at = [hit.entry.approved_at for hit in page.hits]
    assert approved_at == sorted(approved_at, reverse=True)


def test_search_limit_and_offset(office, approved):
    first = answer_library.search(office.session, query="", limit=4)
    second = answer_library.search(office.session, query="", limit=4, offset=4)

    assert first.total == second.total == 6
    assert len(first.hits) == 4
    assert len(second.hits) == 2
    assert not {h.entry.id for h in first.hits} & {h.entry.id for h in second.hits}


def test_search_tier_filter(office, approved):
    page = answer_library.search(office.session, query="", tier="must")

    assert [hit.entry.section_key for hit in page.hits] == ["part_1"]


def test_search_invalid_tier_refused(office, approved):
    with pytest.raises(InvalidInput):
        answer_library.search(office.session, query="", tier="sometimes")


def test_search_policy_filter(office, approved):
    assert answer_library.search(office.session, query="",
                                 policy_id=office.policy.id).total == 6
    assert answer_library.search(office.session, query="", policy_id=9999).total == 0


def test_search_percent_sign_is_literal(office, approved):
    assert answer_library.search(office.session, query="%").total == 0
    assert answer_library.search(office.session, query="_").total == 0


def test_search_too_many_terms_refused(office, approved):
    with pytest.raises(InvalidInput) as caught:
        answer_library.search(office.session, query=" ".join(f"词{n}" for n in range(11)))

    assert "11" in caught.value.message


def test_search_hit_names_event_and_policy(office, approved):
    hit = answer_library.search(office.session, query="", tier="must").hits[0]

    assert hit.event_topic == "政务公开工作"
    assert hit.event_starts_at is not None
    assert hit.policy_title.startswith("四川省交通运输厅关于")
    assert hit.policy_changed is False


# --- the policy changed ------------------------------------------------------------------

def test_policy_changed_after_policy_edit(office, approved):
    policy = office.session.get(Policy, office.policy.id)
    fields = policies.PolicyFields(title=policy.title + "（修订）", doc_number=policy.doc_number,
                                   issuer=policy.issuer)

    policies.update_fields(office.session, actor=office.author, policy_id=policy.id,
                           fields=fields)
    office.session.commit()

    hits = answer_library.search(office.session, query="").hits
    assert hits
    assert all(hit.policy_changed for hit in hits)


def test_policy_changed_after_section_text_edit(office, approved):
    # A corrected paragraph of the parsed structure counts as a change too.
    row = office.session.exec(select(PolicySection)
                              .where(PolicySection.policy_id == office.policy.id)).first()
    row.text += "（更正）"
    office.session.commit()

    assert all(hit.policy_changed for hit in answer_library.search(office.session, query="").hits)


def test_policy_changed_after_policy_deleted(office, approved):
    office.session.delete(office.session.get(Policy, office.policy.id))
    office.session.commit()

    hits = answer_library.search(office.session, query="").hits
    assert hits
    assert all(hit.entry.policy_id is None for hit in hits)
    assert all(hit.policy_changed for hit in hits)


def test_policy_unchanged_without_policy(office):
    brief = new_brief(office, policy_id=None, topic="春运服务保障")
    office.approve_fully(brief.id)

    hits = answer_library.search(office.session, query="春运").hits
    assert hits
    assert all(hit.entry.policy_hash == "" for hit in hits)
    assert not any(hit.policy_changed for hit in hits)


# --- reuse -------------------------------------------------------------------------------

def must_entry(office) -> AnswerLibraryEntry:
    return answer_library.search(office.session, query="", tier="must").hits[0].entry


def test_reuse_appends_question(office, approved):
    entry = must_entry(office)
    target = new_brief(office, topic="下一场发布会")
    count = len(drafts.list_sections(office.session, target.id))

    section = answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                                   draft_id=target.id)
    office.session.commit()

    sections = drafts.list_sections(office.session, target.id)
    assert len(sections) == count + 1
    assert sections[-1].id == section.id
    assert (section.title, section.body, section.tier) == (entry.question, entry.answer, "must")
    assert (section.source_ref, section.key_points, section.avoid_phrasing) == (
        entry.sources, entry.key_points, entry.avoid_phrasing)
    assert section.key == f"reuse_{entry.id}"


def test_reuse_twice_gets_distinct_keys(office, approved):
    entry = must_entry(office)
    target = new_brief(office, topic="下一场发布会")

    first = answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                                 draft_id=target.id)
    second = answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                                  draft_id=target.id)

    assert first.key != second.key


def test_reuse_recorded_as_version_and_audited(office, approved):
    entry = must_entry(office)
    target = new_brief(office, topic="下一场发布会")

    section = answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                                   draft_id=target.id)
    office.session.commit()

    version = office.session.exec(select(DraftSectionVersion)
                                  .where(DraftSectionVersion.section_id == section.id)).one()
    row = office.session.exec(select(AuditEntry)
                              .where(AuditEntry.action == "answer_library.reuse")).one()
    assert str(entry.id) in version.note
    assert row.entity_id == target.id
    assert f'"entry_id":{entry.id}' in row.detail.replace(" ", "")


def test_reuse_under_review_needs_confirmation(office, approved):
    entry = must_entry(office)
    target = new_brief(office, topic="下一场发布会")
    review.submit(office.session, actor=office.author, draft_id=target.id)
    office.session.commit()

    with pytest.raises(InvalidInput):
        answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                             draft_id=target.id)
    office.session.rollback()
    answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                         draft_id=target.id, confirm_reset=True)
    office.session.commit()

    assert office.session.get(type(target), target.id).status == DraftStatus.DRAFT
    assert office.session.exec(select(AuditEntry)
                               .where(AuditEntry.action == "review.reset")).first() is not None


def test_reuse_into_other_kind_refused(office, approved):
    entry = must_entry(office)
    other = drafts.create_from_policy(office.session, actor=office.author,
                                      policy_id=office.policy.id, kind=DraftKind.QA,
                                      disclosure=Disclosure.PUBLIC)
    office.session.commit()

    with pytest.raises(InvalidInput) as caught:
        answer_library.reuse(office.session, actor=office.author, entry_id=entry.id,
                             draft_id=other.id)

    # The title's own 《》 become 〈〉 inside the message's 《》.
    assert f"《{inside_book_marks(other.title)}》" in caught.value.message


def test_reuse_by_other_unit_refused(office, approved):
    entry = must_entry(office)
    target = new_brief(office, topic="下一场发布会")

    with pytest.raises(PermissionDenied):
        answer_library.reuse(office.session, actor=office.outsider, entry_id=entry.id,
                             draft_id=target.id)


def test_reuse_unknown_entry_not_found(office, approved):
    target = new_brief(office, topic="下一场发布会")

    with pytest.raises(NotFound):
        answer_library.reuse(office.session, actor=office.author, entry_id=9999,
                             draft_id=target.id)


def test_reuse_targets_only_editable_briefs(office, approved):
    target = new_brief(office, topic="下一场发布会")

    mine = answer_library.reuse_targets(office.session, actor=office.author)
    theirs = answer_library.reuse_targets(office.session, actor=office.outsider)

    assert target.id in [draft.id for draft in mine]
    assert all(draft.kind == DraftKind.ANSWER_BRIEF for draft in mine)
    assert theirs == []


# --- who may read ------------------------------------------------------------------------

def test_require_reader_any_role_allowed(office):
    for person in (office.author, office.boss, office.spokesperson, office.outsider):
        answer_library.require_reader(office.session, person)


def test_require_reader_without_role_refused(office):
    nobody = factories.make_user(office.session, "nobody", unit=office.drafting, roles=set())

    with pytest.raises(PermissionDenied):
        answer_library.require_reader(office.session, nobody)


def test_require_reader_inactive_refused(office):
    office.author.is_active = False
    office.session.commit()

    with pytest.raises(PermissionDenied):
        answer_library.require_reader(office.session, office.author)


def test_reuse_without_role_refused(office, approved):
    expert_only = factories.make_user(office.session, "ghost", unit=office.drafting, roles=set())
    target = new_brief(office, topic="下一场发布会")

    with pytest.raises(PermissionDenied):
        answer_library.reuse(office.session, actor=expert_only, entry_id=must_entry(office).id,
                             draft_id=target.id)


# --- size --------------------------------------------------------------------------------

def test_search_20000_entries_fast(office, approved):
    """Two Chinese terms over 20,000 entries: one count and one page, well under 300 ms."""
    rows, now = [], now_utc()
    for n in range(20_000):
        text = f"第{n}号问题：关于农村公路养护的答复，涉及资金{n % 97}亿元"
        rows.append({"question": f"农村公路养护问题{n}", "answer": text, "tier": "likely",
                     "search_text": answer_library.search_text(f"农村公路养护问题{n}", text),
                     "policy_id": office.policy.id, "policy_hash": "0" * 64,
                     "approved_at": now - timedelta(minutes=n), "review_round": 1,
                     "section_key": f"q{n}"})
    office.session.exec(insert(AnswerLibraryEntry), params=rows)
    office.session.commit()

    started = time.perf_counter()
    page = answer_library.search(office.session, query="农村公路 资金96亿元", limit=50)
    elapsed = time.perf_counter() - started

    assert page.total == len([n for n in range(20_000) if n % 97 == 96])
    assert len(page.hits) == 50
    assert elapsed < 0.3, f"search took {elapsed * 1000:.0f} ms"


def test_same_section_and_round_stored_once(office, approved):
    entry = entries(office.session)[0]
    office.session.add(AnswerLibraryEntry(question="q", answer="a", draft_id=entry.draft_id,
                                          section_key=entry.section_key, review_round=1,
                                          approved_at=now_utc()))

    with pytest.raises(IntegrityError):
        office.session.commit()


# --- both databases ----------------------------------------------------------------------

def test_search_and_policy_flag_on_both_databases(any_session):
    office = make_press_office(any_session)
    brief = new_brief(office)
    office.approve_fully(brief.id)

    both = answer_library.search(any_session, query="新闻发言人 门户网站")
    literal = answer_library.search(any_session, query="%")
    paged = answer_library.search(any_session, query="", limit=4, offset=4)
    past_end = answer_library.search(any_session, query="", limit=4, offset=40)

    assert [hit.entry.section_key for hit in both.hits] == ["part_1", "content"]
    assert literal.total == 0
    assert (paged.total, len(paged.hits)) == (6, 2)
    assert (past_end.total, past_end.hits) == (6, [])
    assert not any(hit.policy_changed for hit in both.hits)

    policy = any_session.get(Policy, office.policy.id)
    policies.update_fields(any_session, actor=office.author, policy_id=policy.id,
                           fields=policies.PolicyFields(title=policy.title + "（修订）"))
    any_session.commit()
    assert all(hit.policy_changed
               for hit in answer_library.search(any_session, query="新闻发言人").hits)
