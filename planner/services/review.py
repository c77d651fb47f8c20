"""三审: the review of outgoing drafts (先审查、后公开, 一事一审), declared once.

TRANSITIONS below is the whole state machine: 草稿/退回 → 待初审 (submit) → 待审核 → 待审发
→ 已审发 → 已发布, a return (退回) from any review step, and the reset to 草稿 that an edit
after submission or approval causes. Every function here looks the step up in that
table, checks the actor, then changes the status and writes a ReviewDecision (or a
DraftRelease) and the audit row in the caller's transaction.

Who decides: 初审 a 承办人员 of the drafting unit other than the author (the author too
when allow_author_first_review is on), 审核 a 承办部门负责人 of the drafting unit, 审发 a
单位负责人. The three decisions of one round come from three different people, and
neither 审核 nor 审发 from the author.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from itertools import combinations

from sqlalchemy.orm import aliased
from sqlmodel import Session, and_, exists, func, or_, select, update

from planner.config import get_settings
from planner.csvsafe import csv_bytes
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.word import render_docx
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlannerError
from planner.filenames import safe_filename
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import (Draft, DraftKind, DraftRelease, DraftSection, DraftStatus,
                            ReviewDecision, ReviewLevel, ReviewOutcome, Role, RoleAssignment,
                            SectionComment, Unit, User)
from planner.permissions import has_any_role, probing, require, roles_of
from planner.deadlines import INTERPRETATION_SYNC
from planner.services import answer_sources, audit, deadlines, draft_access, event_flow
from planner.timeutil import now_utc, to_office

logger = logging.getLogger(__name__)

MAX_OPINION_LENGTH = 2000


class Step(StrEnum):
    SUBMIT = "submit"      # 送审
    APPROVE = "approve"    # 通过
    RETURN = "return"      # 退回
    RELEASE = "release"    # 发布
    EDIT = "edit"          # an edit after submission or approval


@dataclass(frozen=True)
class Transition:
    step: Step
    source: DraftStatus
    target: DraftStatus
    level: ReviewLevel | None = None


_S = DraftStatus
_RESETTABLE = (_S.PENDING_FIRST, _S.PENDING_SECOND, _S.PENDING_FINAL, _S.APPROVED, _S.RELEASED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Step.SUBMIT, _S.DRAFT, _S.PENDING_FIRST),
    Transition(Step.SUBMIT, _S.RETURNED, _S.PENDING_FIRST),
    Transition(Step.APPROVE, _S.PENDING_FIRST, _S.PENDING_SECOND, ReviewLevel.FIRST),
    Transition(Step.APPROVE, _S.PENDING_SECOND, _S.PENDING_FINAL, ReviewLevel.SECOND),
    Transition(Step.APPROVE, _S.PENDING_FINAL, _S.APPROVED, ReviewLevel.FINAL),
    Transition(Step.RETURN, _S.PENDING_FIRST, _S.RETURNED, ReviewLevel.FIRST),
    Transition(Step.RETURN, _S.PENDING_SECOND, _S.RETURNED, ReviewLevel.SECOND),
    Transition(Step.RETURN, _S.PENDING_FINAL, _S.RETURNED, ReviewLevel.FINAL),
    Transition(Step.RELEASE, _S.APPROVED, _S.RELEASED),
    *(Transition(Step.EDIT, source, _S.DRAFT) for source in _RESETTABLE),
)
_TABLE = {(tr.step, tr.source): tr for tr in TRANSITIONS}

# The role that decides at each level, and the status a draft waits in for it.
LEVEL_ROLE = {ReviewLevel.FIRST: Role.DRAFTER, ReviewLevel.SECOND: Role.DEPARTMENT_HEAD,
              ReviewLevel.FINAL: Role.UNIT_HEAD}
LEVEL_STATUS = {ReviewLevel.FIRST: _S.PENDING_FIRST, ReviewLevel.SECOND: _S.PENDING_SECOND,
                ReviewLevel.FINAL: _S.PENDING_FINAL}
_STATUS_LEVEL = {status: level for level, status in LEVEL_STATUS.items()}
# 初审 and 审核 happen inside the drafting unit; 审发 by a 单位负责人 of any unit.
UNIT_BOUND_LEVELS = {ReviewLevel.FIRST, ReviewLevel.SECOND}
STEP_OUTCOME = {Step.SUBMIT: ReviewOutcome.SUBMIT, Step.APPROVE: ReviewOutcome.APPROVE,
                Step.RETURN: ReviewOutcome.RETURN}


@dataclass(frozen=True)
class QueueItem:
    """One draft waiting for the user: at a review level, for release (发布, status 已审发,
    level None), or returned to them (status 退回, level None)."""

    draft_id: int
    title: str
    kind: str
    status: str
    level: ReviewLevel | None
    unit_name: str
    waiting_since: datetime
    age: timedelta
    note: str = ""   # the reason of a return

    @property
    def returned(self) -> bool:
        return self.status == _S.RETURNED

    @property
    def to_release(self) -> bool:
        return self.status == _S.APPROVED


@dataclass(frozen=True)
class NextActors:
    """The step a draft waits for and the active people who may take it now."""

    step: Step
    level: ReviewLevel | None   # the review level; None for 发布
    names: tuple[str, ...]


@dataclass(frozen=True)
class DecisionRecord:
    decision: ReviewDecision
    actor_name: str


@dataclass(frozen=True)
class Baseline:
    """The earlier content a reviewer compares against, and where it comes from."""

    content: dict
    review_round: int
    level: ReviewLevel | None   # None: the content submitted in that round
    at: datetime


# --- The transitions ----------------------------------------------------------------------

def submit(session: Session, *, actor: User, draft_id: int,
           confirm_open_comments: bool = False,
           confirm_unverified_sources: bool = False) -> ReviewDecision:
    """送审: send a 草稿 or 退回 draft to 初审; this starts a new review round.

    A draft that still contains a fill-in prompt (（请补充：…）) raises InvalidInput naming its
    sections. A draft with a review level that no eligible person can decide raises Conflict
    naming the level, the unit and the missing role (see reviewer_gaps). Both leave the draft
    as it was.
    A draft with unresolved comment threads (批注) raises Conflict naming their number,
    unless `confirm_open_comments` is True (the submitter has seen them). An 答问 draft
    whose 依据 cites clauses its policy does not have raises Conflict naming them, unless
    `confirm_unverified_sources` is True (planner.services.answer_sources).
    """
    draft = _get_draft(session, draft_id)
    transition = transition_for(Step.SUBMIT, draft)
    _require_submitter(session, actor, draft)
    _require_no_placeholders(session, draft, Step.SUBMIT)
    _require_reviewers_exist(session, draft, submitter=actor)
    open_threads = open_comment_count(session, draft_id)
    if open_threads and not confirm_open_comments:
        raise Conflict("coedit.submit_open_comments", title=inside_book_marks(draft.title), count=open_threads)
    answer_sources.require_verified(session, actor=actor, draft=draft,
                                    confirmed=confirm_unverified_sources)

    return _decide(session, actor=actor, draft=draft, transition=transition, opinion="",
                   new_round=True)


def approve(session: Session, *, actor: User, draft_id: int, opinion: str = "",
            seen_hash: str | None = None) -> ReviewDecision:
    """Approve the draft at the level it waits for.

    `seen_hash` is the hash of the content the reviewer read. A change made since then
    raises Conflict, so nobody approves text they have not seen. Content that still contains
    a fill-in prompt raises InvalidInput, and the reviewer returns the draft instead.
    """
    draft = _get_draft(session, draft_id)
    transition = transition_for(Step.APPROVE, draft)
    _require_reviewer(session, actor, draft, transition.level)
    _check_opinion(opinion)
    _require_no_placeholders(session, draft, Step.APPROVE)

    decision = _decide(session, actor=actor, draft=draft, transition=transition,
                       opinion=opinion.strip(), seen_hash=seen_hash)
    if transition.level == ReviewLevel.FINAL and draft.kind == DraftKind.ANSWER_BRIEF:
        # 答问口径库: the questions approved at 审发 join the library in this transaction.
        from planner.services import answer_library   # it imports this module
        answer_library.add_from_approval(session, actor=actor, draft=draft, decision=decision)
    return decision


def return_to_drafter(session: Session, *, actor: User, draft_id: int, reason: str,
                      seen_hash: str | None = None) -> ReviewDecision:
    """退回: send the draft back to the drafter with a required reason; the round ends."""
    draft = _get_draft(session, draft_id)
    transition = transition_for(Step.RETURN, draft)
    _require_reviewer(session, actor, draft, transition.level)
    if not reason.strip():
        raise InvalidInput("review.return_reason_missing", title=inside_book_marks(draft.title))
    _check_opinion(reason)

    return _decide(session, actor=actor, draft=draft, transition=transition,
                   opinion=reason.strip(), seen_hash=seen_hash)


def release(session: Session, *, actor: User, draft_id: int) -> DraftRelease:
    """发布: freeze the content approved at 审发. Only an 已审发 draft can be released, and
    only without fill-in prompts (checked again here for drafts approved before the gate)."""
    draft = _get_draft(session, draft_id)
    transition = transition_for(Step.RELEASE, draft)
    _require_releaser(session, actor, draft)
    _require_no_placeholders(session, draft, Step.RELEASE)

    content = current_content(session, draft_id)
    digest = content_hash(content)
    final = _final_approval(session, draft)
    if final is None or final.content_hash != digest:
        # Edits reset the status, so this only happens after a change made outside the app.
        raise Conflict("review.content_not_approved", title=inside_book_marks(draft.title))

    _move(session, draft, transition)
    frozen = DraftRelease(draft_id=draft.id, review_round=draft.review_round,
                          released_by=actor.id, content_hash=digest,
                          content_json=_to_json(content))
    session.add(frozen)
    session.flush()

    audit.record(session, actor=actor, action="review.release", entity="draft",
                 entity_id=draft.id, detail={"round": draft.review_round,
                                             "release_id": frozen.id, "content_hash": digest})
    if draft.kind == DraftKind.INTERPRETATION and draft.policy_id is not None:
        # 解读与政策同步: releasing the interpretation closes the policy's 解读 item.
        deadlines.complete_for_entity(session, actor=actor, rule_key=INTERPRETATION_SYNC,
                                      entity="policy", entity_id=draft.policy_id)
    # A 文字实录 or 重要政务活动信息 linked to a held event closes that event's board item.
    event_flow.close_followups_for_draft(session, actor=actor, draft_id=draft.id)
    logger.info("draft %s released (round %s) by user %s", draft.id, draft.review_round,
                actor.id)
    return frozen


def reset_for_edit(session: Session, *, actor: User, draft: Draft, confirm_reset: bool,
                   change: str) -> bool:
    """Send a draft under review, approved or released back to 草稿 before an edit.

    Returns True when it did. Without `confirm_reset` it raises, so the editor is warned
    before anything is saved. The page then asks for the confirmation.
    """
    if not edit_would_reset(draft):
        return False
    if not confirm_reset:
        raise InvalidInput("draft.edit_resets_review", title=inside_book_marks(draft.title),
                           status=t(f"draft.status.{draft.status}"))

    transition = transition_for(Step.EDIT, draft)
    _move(session, draft, transition)
    audit.record(session, actor=actor, action="review.reset", entity="draft",
                 entity_id=draft.id, detail={"from": transition.source, "to": transition.target,
                                             "round": draft.review_round, "change": change})
    logger.info("draft %s reset from %s to draft by an edit (%s)", draft.id,
                transition.source, change)
    return True


def transition_for(step: Step, draft: Draft) -> Transition:
    """Look the step up in TRANSITIONS; a step the status does not allow raises Conflict."""
    found = _TABLE.get((step, DraftStatus(draft.status)))
    if found is not None:
        return found

    allowed = "、".join(t(f"draft.status.{tr.source}") for tr in TRANSITIONS if tr.step == step)
    raise Conflict("review.wrong_state", title=inside_book_marks(draft.title), action=t(f"review.step.{step}"),
                   status=t(f"draft.status.{draft.status}"), allowed=allowed)


def edit_would_reset(draft: Draft) -> bool:
    """True if saving an edit now would send the draft back to 草稿."""
    return (Step.EDIT, DraftStatus(draft.status)) in _TABLE


# --- The gate before 送审, 通过 and 发布 ---------------------------------------------------

# Section fields a person writes; a fill-in prompt left in any of them blocks the draft.
SECTION_TEXT_FIELDS = ("title", "body", "key_points", "avoid_phrasing", "source_ref")
HEADING_LENGTH = 30   # headings are cut to this many characters in messages
_HINT_SLOT = "\x00"

# 发布: a 承办人员 of the drafting unit, or 厅办公室 for any unit.
RELEASE_UNIT_ROLES = (Role.DRAFTER,)
RELEASE_ANY_UNIT_ROLES = (Role.GENERAL_OFFICE,)


@dataclass(frozen=True)
class ReviewerGap:
    """Review levels that the people in the system cannot decide as different persons."""

    levels: tuple[ReviewLevel, ...]
    unit_name: str           # the drafting unit; "" for 审发, which any unit's 单位负责人 decides
    names: tuple[str, ...]   # who could decide these levels: fewer people than levels


@dataclass(frozen=True)
class ReleaseRule:
    """The rule for releasing a draft: roles in its drafting unit, roles in any unit, and
    the active people who hold them now."""

    unit_name: str
    unit_roles: tuple[Role, ...]
    any_unit_roles: tuple[Role, ...]
    people: tuple[str, ...]


def placeholder_places(session: Session, draft_id: int) -> list[str]:
    """Return where the draft still contains a fill-in prompt, e.g. "“一、出台背景”（正文）";
    [] when it contains none.

    The prompts are the ones the templates and the prefill leave: （请补充：…） and the
    （请填写…） title and issuer prompts. The draft title and every text field of every
    section are checked, the 答问口径 fields included.
    """
    draft = _get_draft(session, draft_id)
    markers = _placeholder_markers()
    places = []
    if _holds_marker(draft.title, markers):
        places.append(t("review_gate.place_draft_title"))

    sections = session.exec(select(DraftSection).where(DraftSection.draft_id == draft_id)
                            .order_by(DraftSection.position, DraftSection.id)).all()
    for number, section in enumerate(sections, start=1):
        fields = [t(f"review_gate.field.{name}") for name in SECTION_TEXT_FIELDS
                  if _holds_marker(getattr(section, name), markers)]
        if fields:
            heading = " ".join(section.title.split())
            heading = heading if len(heading) <= HEADING_LENGTH else heading[:HEADING_LENGTH] + "…"
            places.append(t("review_gate.place_section",
                            heading=inside_quotes(heading) if heading
                            else t("review_gate.section_number", number=number),
                            fields="、".join(fields)))
    return places


def reviewer_gaps(session: Session, *, draft_id: int, submitter: User) -> list[ReviewerGap]:
    """Return the review levels that no eligible person could decide if `submitter` sent
    the draft now.

    The three levels need three different people (the same rules as the decisions
    themselves: unit, role, author and submitter excluded). By Hall's theorem such people
    exist exactly when every group of k levels has at least k candidates between them, so
    the smallest groups that fall short are returned; [] means the review can be completed.
    """
    draft = _get_draft(session, draft_id)
    candidates = {level: _eligible_reviewers(session, draft, level, submitter)
                  for level in LEVEL_ROLE}
    unit_name = _unit_name(session, draft.unit_id)
    for size in range(1, len(candidates) + 1):
        gaps = []
        for levels in combinations(candidates, size):
            people = {uid: name for level in levels for uid, name in candidates[level].items()}
            if len(people) < size:
                bound = all(level in UNIT_BOUND_LEVELS for level in levels)
                gaps.append(ReviewerGap(levels=levels, unit_name=unit_name if bound else "",
                                        names=tuple(people.values())))
        if gaps:
            return gaps
    return []


def describe_gap(gap: ReviewerGap, *, author_may: bool = False) -> str:
    """Say in Chinese which level lacks whom and where, for messages and pages."""
    if len(gap.levels) > 1:
        return t("review_gate.gap_shared",
                 levels="、".join(t(f"review.level.{level}") for level in gap.levels),
                 names="、".join(gap.names))

    level = gap.levels[0]
    besides = "" if author_may else t("review_gate.besides_author")
    role = t(f"role.{LEVEL_ROLE[level]}")
    if gap.unit_name:
        return t("review_gate.gap_in_unit", level=t(f"review.level.{level}"), role=role,
                 unit=gap.unit_name, besides=besides)
    return t("review_gate.gap_any_unit", level=t(f"review.level.{level}"), role=role,
             besides=besides)


def submit_blockers(session: Session, *, actor: User, draft_id: int) -> list[str]:
    """Return the messages with which submit() would reject the draft now (fill-in prompts,
    levels without an eligible reviewer); [] when it may be sent. For the 送审 button."""
    draft = _get_draft(session, draft_id)
    return _messages_of((lambda: _require_no_placeholders(session, draft, Step.SUBMIT),
                         lambda: _require_reviewers_exist(session, draft, submitter=actor)))


def release_blockers(session: Session, *, draft_id: int) -> list[str]:
    """Return the messages with which release() would reject the content now; [] if none."""
    draft = _get_draft(session, draft_id)
    return _messages_of((lambda: _require_no_placeholders(session, draft, Step.RELEASE),))


def release_rule(session: Session, *, draft_id: int) -> ReleaseRule:
    """Return who may release the draft (发布), so a page can state it without the rule."""
    draft = _get_draft(session, draft_id)
    unit_id = drafting_unit_id(draft)
    people = (_role_holders(session, set(RELEASE_UNIT_ROLES), unit_id)
              | _role_holders(session, set(RELEASE_ANY_UNIT_ROLES), None))
    return ReleaseRule(unit_name=_unit_name(session, unit_id), unit_roles=RELEASE_UNIT_ROLES,
                       any_unit_roles=RELEASE_ANY_UNIT_ROLES, people=tuple(people.values()))


def next_actors(session: Session, *, draft_id: int) -> NextActors | None:
    """Return the step the draft waits for and who may take it now, so its author can
    see whom to ask: the pending review level and its eligible reviewers, or 发布 and the
    releasers. None when the draft waits for its author (草稿, 退回) or is released.

    The reviewers are those _require_reviewer accepts now: the level's role (in the
    drafting unit for 初审 and 审核), neither the author nor the submitter of the round
    (unless allow_author_first_review allows it at 初审), nor anyone who approved at an
    earlier level of the round.
    """
    draft = _get_draft(session, draft_id)
    status = DraftStatus(draft.status)
    if status == _S.APPROVED:
        return NextActors(step=Step.RELEASE, level=None,
                          names=release_rule(session, draft_id=draft_id).people)
    transition = _TABLE.get((Step.APPROVE, status))
    if transition is None:
        return None

    in_round = session.exec(select(ReviewDecision)
                            .where(ReviewDecision.draft_id == draft.id,
                                   ReviewDecision.review_round == draft.review_round)).all()
    authors = {draft.created_by} | {d.actor_id for d in in_round
                                    if d.outcome == ReviewOutcome.SUBMIT}
    people = _level_candidates(session, draft, transition.level, authors)
    for decision in in_round:
        if decision.outcome == ReviewOutcome.APPROVE:
            people.pop(decision.actor_id, None)
    return NextActors(step=Step.APPROVE, level=transition.level, names=tuple(people.values()))


def _require_no_placeholders(session: Session, draft: Draft, step: Step) -> None:
    places = placeholder_places(session, draft.id)
    if places:
        raise InvalidInput(f"review_gate.placeholders_{step}", title=inside_quotes(draft.title),
                           places="；".join(places))


def _require_reviewers_exist(session: Session, draft: Draft, *, submitter: User) -> None:
    gaps = reviewer_gaps(session, draft_id=draft.id, submitter=submitter)
    if not gaps:
        return

    text = "；".join(describe_gap(gap, author_may=_author_may_review(gap.levels[0]))
                    for gap in gaps)
    logger.info("draft %s not submitted by user %s: no reviewer for %s", draft.id,
                submitter.id, [list(gap.levels) for gap in gaps])
    raise Conflict("review_gate.no_reviewers", title=inside_quotes(draft.title), gaps=text)


def _eligible_reviewers(session: Session, draft: Draft, level: ReviewLevel,
                        submitter: User) -> dict[int, str]:
    # The same people _require_reviewer accepts at the start of a round.
    return _level_candidates(session, draft, level, {draft.created_by, submitter.id})


def _level_candidates(session: Session, draft: Draft, level: ReviewLevel,
                      authors: set[int | None]) -> dict[int, str]:
    """Return user id → name of the active holders of the level's role (in the drafting
    unit where the level is unit-bound), without `authors` unless they may review."""
    unit_id = drafting_unit_id(draft) if level in UNIT_BOUND_LEVELS else None
    people = _role_holders(session, {LEVEL_ROLE[level]}, unit_id)
    if not _author_may_review(level):
        for excluded in authors:
            people.pop(excluded, None)
    return people


def _role_holders(session: Session, roles: set[Role], unit_id: int | None) -> dict[int, str]:
    """Return user id → name of the active users holding one of `roles` (in `unit_id`)."""
    query = (select(User.id, User.display_name)
             .join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(User.is_active, RoleAssignment.role.in_(sorted(roles))))
    if unit_id is not None:
        query = query.where(RoleAssignment.unit_id == unit_id)
    return dict(session.exec(query.distinct().order_by(User.id)).all())


def _author_may_review(level: ReviewLevel) -> bool:
    return level == ReviewLevel.FIRST and get_settings().allow_author_first_review


def _placeholder_markers() -> tuple[str, ...]:
    # A template prompt is the catalog's to_complete text around a hint, so its opening
    # (（请补充： in zh-CN) marks a prompt whatever the hint. The prefill's title and
    # issuer prompts are fixed texts.
    opening = t("documents.prefill.to_complete", hint=_HINT_SLOT).split(_HINT_SLOT)[0]
    return (opening, t("documents.prefill.title_placeholder"),
            t("documents.prefill.issuer_placeholder"))


def _holds_marker(text: str | None, markers: tuple[str, ...]) -> bool:
    return bool(text) and any(marker in text for marker in markers)


def _messages_of(checks) -> list[str]:
    messages = []
    for check in checks:
        try:
            check()
        except PlannerError as error:
            messages.append(error.message)
    return messages


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else ""


# --- Reading ------------------------------------------------------------------------------

def current_content(session: Session, draft_id: int) -> dict:
    """Return the content a decision is about: title, 公开属性 with reason and basis, and
    all sections in order."""
    draft = _get_draft(session, draft_id)
    sections = session.exec(select(DraftSection).where(DraftSection.draft_id == draft_id)
                            .order_by(DraftSection.position, DraftSection.id)).all()
    return {
        "title": draft.title,
        "disclosure": draft.disclosure,
        "disclosure_reason": draft.disclosure_reason,
        "disclosure_basis": draft.disclosure_basis,
        "sections": [_section_content(s) for s in sections],
    }


def _section_content(section: DraftSection) -> dict:
    content = {"key": section.key, "title": section.title, "body": section.body,
               "source_ref": section.source_ref}
    # 答问口径 fields are reviewed too. They join only where set, so the content (and its
    # hash) of every other draft stays as it was before these fields existed.
    extra = {"tier": section.tier, "key_points": section.key_points,
             "avoid_phrasing": section.avoid_phrasing}
    if any(extra.values()):
        content.update(extra)
    return content


def open_comment_count(session: Session, draft_id: int) -> int:
    """Return the number of unresolved comment threads (批注) on the draft."""
    return session.exec(select(func.count()).select_from(SectionComment)
                        .where(SectionComment.draft_id == draft_id,
                               SectionComment.parent_id.is_(None),
                               SectionComment.resolved_at.is_(None))).one()


def content_hash(content: dict) -> str:
    """SHA-256 of the content in a canonical JSON form (sorted keys, no spacing)."""
    return hashlib.sha256(_to_json(content).encode("utf-8")).hexdigest()


def decisions(session: Session, draft_id: int) -> list[DecisionRecord]:
    """Return every decision on the draft, oldest first, with the name of who made it."""
    rows = session.exec(select(ReviewDecision, User.display_name)
                        .join(User, ReviewDecision.actor_id == User.id, isouter=True)
                        .where(ReviewDecision.draft_id == draft_id)
                        .order_by(ReviewDecision.at, ReviewDecision.id)).all()
    return [DecisionRecord(decision=row, actor_name=name or "") for row, name in rows]


def releases(session: Session, draft_id: int) -> list[DraftRelease]:
    return list(session.exec(select(DraftRelease).where(DraftRelease.draft_id == draft_id)
                             .order_by(DraftRelease.id)))


def diff_baseline(session: Session, draft_id: int) -> Baseline | None:
    """What a reviewer compares the draft with: the last approved version from an earlier
    round, or else the content submitted in the previous round; None for a first round."""
    draft = _get_draft(session, draft_id)
    earlier = session.exec(select(ReviewDecision)
                           .where(ReviewDecision.draft_id == draft_id,
                                  ReviewDecision.review_round < draft.review_round,
                                  ReviewDecision.outcome.in_([ReviewOutcome.APPROVE,
                                                              ReviewOutcome.SUBMIT]))
                           .order_by(ReviewDecision.review_round.desc(),
                                     ReviewDecision.id.desc())).all()
    if not earlier:
        return None

    approved = [d for d in earlier if d.outcome == ReviewOutcome.APPROVE]
    chosen = approved[0] if approved else earlier[0]
    return Baseline(content=json.loads(chosen.content_json), review_round=chosen.review_round,
                    level=ReviewLevel(chosen.level) if chosen.level else None, at=chosen.at)


def available_steps(session: Session, *, actor: User, draft_id: int) -> set[Step]:
    """Return the steps `actor` may take on the draft now, so a page offers only those.

    It runs the same checks as the steps themselves, and the steps check again anyway.
    """
    draft = _get_draft(session, draft_id)
    checks = {
        Step.SUBMIT: lambda: _require_submitter(session, actor, draft),
        Step.APPROVE: lambda: _require_reviewer(session, actor, draft,
                                                _TABLE[(Step.APPROVE, draft.status)].level),
        Step.RETURN: lambda: _require_reviewer(session, actor, draft,
                                               _TABLE[(Step.RETURN, draft.status)].level),
        Step.RELEASE: lambda: _require_releaser(session, actor, draft),
    }
    steps = set()
    for step, check in checks.items():
        if (step, DraftStatus(draft.status)) not in _TABLE:
            continue
        try:
            with probing():
                check()
        except (PermissionDenied, InvalidInput):
            continue
        steps.add(step)
    return steps


def queue_for(session: Session, *, actor: User, now: datetime | None = None) -> list[QueueItem]:
    """我的待办: drafts waiting for `actor` at each level they can decide, oldest first,
    then the 已审发 drafts they may release (发布), then their own drafts that were
    returned. A fixed handful of queries, whatever the number of drafts (indexes on
    draft.status, draft.unit_id, review_decision.draft_id)."""
    if not actor.is_active:
        return []
    now = now or now_utc()
    actor_roles = roles_of(session, actor)
    allow_author = get_settings().allow_author_first_review

    items: list[QueueItem] = []
    for level, role in LEVEL_ROLE.items():
        units = {unit_id for actor_role, unit_id in actor_roles if actor_role == role}
        if units:
            query = _pending_query(actor, level, units, allow_author)
            items.extend(_queue_item(row, level, now) for row in session.exec(query))
    release_units = _release_units(actor_roles)
    if release_units != set():
        items.extend(_queue_item(row, None, now)
                     for row in session.exec(_release_query(release_units)))
    items.extend(_queue_item(row, None, now) for row in session.exec(_returned_query(actor)))
    return items


@dataclass(frozen=True)
class SubmittedItem:
    """One of the user's own drafts in review (待初审, 待审核, 待审发), with who acts next."""

    item: QueueItem
    next_step: NextActors | None


def submitted_in_review(session: Session, *, actor: User, now: datetime | None = None
                        ) -> list[SubmittedItem]:
    """我送审的稿件: drafts that `actor` wrote or submitted in the current round and that
    wait at a review level, oldest first, each with next_actors. One next_actors call per
    draft, because an author has only a few drafts in review at a time."""
    if not actor.is_active:
        return []
    now = now or now_utc()
    query = (_queue_columns()
             .where(Draft.status.in_(list(LEVEL_STATUS.values())),
                    or_(Draft.created_by == actor.id, _in_round_by(actor, ReviewOutcome.SUBMIT)))
             .order_by(Draft.status_changed_at, Draft.id))
    items = [_queue_item(row, _STATUS_LEVEL[row[3]], now) for row in session.exec(query)]
    return [SubmittedItem(item=item, next_step=next_actors(session, draft_id=item.draft_id))
            for item in items]


def format_age(age: timedelta) -> str:
    """Format a waiting time, e.g. "2 天 3 小时", "5 小时 12 分钟", "8 分钟"."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return t("review.age_days", days=days, hours=hours)
    if hours:
        return t("review.age_hours", hours=hours, minutes=minutes)
    return t("review.age_minutes", minutes=minutes)


# --- Helpers ------------------------------------------------------------------------------

def _get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft.not_found", id=draft_id)
    return draft


def _decide(session: Session, *, actor: User, draft: Draft, transition: Transition,
            opinion: str, new_round: bool = False, seen_hash: str | None = None
            ) -> ReviewDecision:
    content = current_content(session, draft.id)
    digest = content_hash(content)
    if seen_hash is not None and seen_hash != digest:
        raise Conflict("review.content_changed", title=inside_book_marks(draft.title))

    _move(session, draft, transition, new_round=new_round)
    decision = ReviewDecision(draft_id=draft.id, review_round=draft.review_round,
                              level=transition.level, outcome=STEP_OUTCOME[transition.step],
                              actor_id=actor.id, opinion=opinion, content_hash=digest,
                              content_json=_to_json(content))
    session.add(decision)
    session.flush()

    audit.record(session, actor=actor, action=f"review.{transition.step}", entity="draft",
                 entity_id=draft.id,
                 detail={"from": transition.source, "to": transition.target,
                         "level": transition.level, "round": draft.review_round,
                         "decision_id": decision.id, "content_hash": digest,
                         "opinion": opinion})
    logger.info("draft %s: %s %s -> %s (round %s) by user %s", draft.id, transition.step,
                transition.source, transition.target, draft.review_round, actor.id)
    return decision


def _move(session: Session, draft: Draft, transition: Transition, *,
          new_round: bool = False) -> None:
    # Compare-and-set on the status: of two reviewers deciding at once, one wins and the
    # other gets a Conflict instead of a second decision at the same level.
    values = {"status": transition.target, "status_changed_at": now_utc()}
    if new_round:
        values["review_round"] = draft.review_round + 1
    result = session.exec(update(Draft)
                          .where(Draft.id == draft.id, Draft.status == transition.source)
                          .values(**values))
    if result.rowcount != 1:
        raise Conflict("review.changed_meanwhile", title=inside_book_marks(draft.title))
    session.refresh(draft)


def _require_submitter(session: Session, actor: User, draft: Draft) -> None:
    if actor.is_active and actor.id == draft.created_by:
        return
    require(session, actor, "submit_draft", {Role.DRAFTER}, unit_id=drafting_unit_id(draft))


def _require_reviewer(session: Session, actor: User, draft: Draft, level: ReviewLevel) -> None:
    unit_id = drafting_unit_id(draft) if level in UNIT_BOUND_LEVELS else None
    require(session, actor, f"review_{level}", {LEVEL_ROLE[level]}, unit_id=unit_id)

    in_round = session.exec(select(ReviewDecision)
                            .where(ReviewDecision.draft_id == draft.id,
                                   ReviewDecision.review_round == draft.review_round)).all()
    authors = {draft.created_by} | {d.actor_id for d in in_round
                                    if d.outcome == ReviewOutcome.SUBMIT}
    if actor.id in authors and not _author_may_review(level):
        raise PermissionDenied("review.author_excluded", level=t(f"review.level.{level}"))

    earlier = [d for d in in_round
               if d.outcome == ReviewOutcome.APPROVE and d.actor_id == actor.id]
    if earlier:
        raise PermissionDenied("review.one_level_per_person",
                               earlier=t(f"review.level.{earlier[0].level}"),
                               level=t(f"review.level.{level}"))


def _require_releaser(session: Session, actor: User, draft: Draft) -> None:
    units = _release_units(roles_of(session, actor)) if actor.is_active else set()
    if units is None or draft.unit_id in units:
        return
    require(session, actor, "release_draft", set(RELEASE_UNIT_ROLES + RELEASE_ANY_UNIT_ROLES),
            unit_id=drafting_unit_id(draft))


def _release_units(actor_roles: set[tuple[Role, int]]) -> set[int] | None:
    """Return the drafting units whose drafts these roles may release; None for any unit."""
    if any(role in RELEASE_ANY_UNIT_ROLES for role, _ in actor_roles):
        return None
    return {unit_id for role, unit_id in actor_roles if role in RELEASE_UNIT_ROLES}


def drafting_unit_id(draft: Draft) -> int:
    """Return the drafting unit (承办单位) for a unit-bound check.

    A draft without one raises InvalidInput, because a check without a unit would accept
    the role in any unit.
    """
    if draft.unit_id is None:
        raise InvalidInput("review.draft_without_unit", title=inside_book_marks(draft.title))
    return draft.unit_id


def _check_opinion(opinion: str) -> None:
    if len(opinion.strip()) > MAX_OPINION_LENGTH:
        raise InvalidInput("review.opinion_too_long", length=len(opinion.strip()),
                           limit=MAX_OPINION_LENGTH)


def _final_approval(session: Session, draft: Draft) -> ReviewDecision | None:
    return session.exec(select(ReviewDecision)
                        .where(ReviewDecision.draft_id == draft.id,
                               ReviewDecision.review_round == draft.review_round,
                               ReviewDecision.level == ReviewLevel.FINAL,
                               ReviewDecision.outcome == ReviewOutcome.APPROVE)
                        .order_by(ReviewDecision.id.desc())).first()


def _to_json(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _queue_columns():
    return (select(Draft.id, Draft.title, Draft.kind, Draft.status, Draft.status_changed_at,
                   Unit.name)
            .join(Unit, Draft.unit_id == Unit.id, isouter=True))


def _in_round_by(actor: User, outcome: ReviewOutcome):
    """SQL: the actor made a decision with `outcome` in the draft's current round."""
    # An alias, so the returned-drafts query may join review_decision as well.
    earlier = aliased(ReviewDecision)
    return (exists().where(earlier.draft_id == Draft.id,
                           earlier.review_round == Draft.review_round,
                           earlier.actor_id == actor.id,
                           earlier.outcome == outcome)
            .correlate(Draft))


def _pending_query(actor: User, level: ReviewLevel, units: set[int], allow_author: bool):
    query = (_queue_columns()
             .where(Draft.status == LEVEL_STATUS[level],
                    ~_in_round_by(actor, ReviewOutcome.APPROVE))
             .order_by(Draft.status_changed_at, Draft.id))
    if level in UNIT_BOUND_LEVELS:
        query = query.where(Draft.unit_id.in_(sorted(units)))
    if not (level == ReviewLevel.FIRST and allow_author):
        query = query.where(or_(Draft.created_by.is_(None), Draft.created_by != actor.id),
                            ~_in_round_by(actor, ReviewOutcome.SUBMIT))
    return query


def _release_query(units: set[int] | None):
    query = (_queue_columns().where(Draft.status == _S.APPROVED)
             .order_by(Draft.status_changed_at, Draft.id))
    if units is not None:
        query = query.where(Draft.unit_id.in_(sorted(units)))
    return query


def _returned_query(actor: User):
    # The return decision closes its round, so there is exactly one per returned draft.
    return (_queue_columns()
            .add_columns(ReviewDecision.opinion)
            .join(ReviewDecision, and_(ReviewDecision.draft_id == Draft.id,
                                       ReviewDecision.review_round == Draft.review_round,
                                       ReviewDecision.outcome == ReviewOutcome.RETURN))
            .where(Draft.status == _S.RETURNED,
                   or_(Draft.created_by == actor.id, _in_round_by(actor, ReviewOutcome.SUBMIT)))
            .order_by(Draft.status_changed_at, Draft.id))


def _queue_item(row, level: ReviewLevel | None, now: datetime) -> QueueItem:
    draft_id, title, kind, status, since, unit_name, *rest = row
    since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)   # SQLite: naive UTC
    return QueueItem(draft_id=draft_id, title=title, kind=kind, status=status, level=level,
                     unit_name=unit_name or "", waiting_since=since, age=now - since,
                     note=rest[0] if rest else "")


# --- The review record (审查记录) -----------------------------------------------------------

# Who may read a draft's review record: 承办人员 and 承办部门负责人 of the drafting unit,
# and 单位负责人 (who decide 审发 for any unit), 厅办公室 and 管理员 of any unit.
RECORD_UNIT_ROLES = {Role.DRAFTER, Role.DEPARTMENT_HEAD}
RECORD_ANY_UNIT_ROLES = {Role.UNIT_HEAD, Role.GENERAL_OFFICE, Role.ADMIN}
SUMMARY_LENGTH = 200   # 内容摘要: the first 200 characters of the text
HASH_PREFIX_LENGTH = 12


@dataclass(frozen=True)
class ReviewRecord:
    """审查记录 of one draft: 信息名称, 内容摘要, 公开属性 with reason and basis, 拟公开方式
    and 范围, and every decision oldest first."""

    draft: Draft
    summary: str
    decisions: list[DecisionRecord]


def review_record(session: Session, *, actor: User, draft_id: int) -> ReviewRecord:
    """Return the review record of the draft, for those who may read its review and,
    since the record quotes the text, its content (see planner.services.draft_access)."""
    draft = _get_draft(session, draft_id)
    _require_record_reader(session, actor, draft)
    draft_access.require_reader(session, actor=actor, draft=draft)

    summary = content_summary(current_content(session, draft_id))
    return ReviewRecord(draft=draft, summary=summary, decisions=decisions(session, draft_id))


def content_summary(content: dict, length: int = SUMMARY_LENGTH) -> str:
    """内容摘要: the section texts with whitespace runs collapsed, cut at `length` characters."""
    text = " ".join(" ".join(section["body"].split()) for section in content["sections"])
    text = text.strip()
    return text if len(text) <= length else text[:length] + "……"


def record_docx(session: Session, *, actor: User, draft_id: int) -> tuple[str, bytes]:
    """Export the review record as a Word file; returns (file name, bytes).

    It uses the 政策解读 layout: a centred title and numbered parts (一、基本情况 …).
    """
    record = review_record(session, actor=actor, draft_id=draft_id)
    document = DraftDocument(kind=DraftKind.INTERPRETATION,
                             title=t("review_record.doc_title",
                                     title=inside_book_marks(record.draft.title)),
                             sections=_record_sections(record))
    data = render_docx(document)

    name = record_filename(record.draft, "docx")
    _audit_record_export(session, actor=actor, record=record, name=name, size=len(data))
    return name, data


def record_csv(session: Session, *, actor: User, draft_id: int) -> tuple[str, bytes]:
    """Export the review record as CSV: one row per decision, the draft's fields repeated
    on each row (one row without a decision when there is none yet)."""
    record = review_record(session, actor=actor, draft_id=draft_id)
    fields = [value for _, value in _record_fields(record)]
    rows = [fields + _decision_cells(item) for item in record.decisions] or [fields]
    header = [label for label, _ in _record_fields(record)] + [
        t(f"review_record.column.{name}") for name in
        ("round", "level", "outcome", "person", "at", "opinion", "content_hash")]
    data = csv_bytes(header, rows)

    name = record_filename(record.draft, "csv")
    _audit_record_export(session, actor=actor, record=record, name=name, size=len(data))
    return name, data


def record_filename(draft: Draft, extension: str) -> str:
    return safe_filename(t("review_record.file_stem", title=draft.title), extension)


def may_read_record(session: Session, *, actor: User, draft_id: int) -> bool:
    """True if `actor` may read (and export) the draft's review record; for pages."""
    try:
        with probing():
            draft = _get_draft(session, draft_id)
            _require_record_reader(session, actor, draft)
            draft_access.require_reader(session, actor=actor, draft=draft)
    except (PermissionDenied, InvalidInput):
        return False
    return True


def _require_record_reader(session: Session, actor: User, draft: Draft) -> None:
    if has_any_role(session, actor, RECORD_ANY_UNIT_ROLES):
        return
    if draft.unit_id is not None and has_any_role(session, actor, RECORD_UNIT_ROLES,
                                                  draft.unit_id):
        return
    require(session, actor, "read_review_record", RECORD_UNIT_ROLES | RECORD_ANY_UNIT_ROLES,
            unit_id=drafting_unit_id(draft))


def _record_fields(record: ReviewRecord) -> list[tuple[str, str]]:
    draft = record.draft
    return [(t(f"review_record.field.{name}"), value) for name, value in (
        ("title", draft.title),
        ("summary", record.summary),
        ("disclosure", t(f"draft.disclosure.{draft.disclosure}")),
        ("reason", draft.disclosure_reason or "—"),
        ("basis", draft.disclosure_basis or "—"),
        ("channel", t(f"review_record.channel.{draft.disclosure}")),
        ("scope", t(f"review_record.scope.{draft.disclosure}")),
    )]


def _decision_cells(item: DecisionRecord) -> list:
    decision = item.decision
    level = t(f"review.level.{decision.level}") if decision.level else "—"
    return [decision.review_round, level, t(f"review.outcome.{decision.outcome}"),
            item.actor_name, to_office(decision.at).strftime("%Y-%m-%d %H:%M"),
            decision.opinion, decision.content_hash[:HASH_PREFIX_LENGTH]]


def _record_sections(record: ReviewRecord) -> list[DraftSectionContent]:
    fields = _record_fields(record)
    lines = [t("review_record.decision_line", round=round_, level=level, outcome=outcome,
               person=person or "—", at=at, hash=digest, opinion=opinion or "—")
             for round_, level, outcome, person, at, opinion, digest
             in (_decision_cells(item) for item in record.decisions)]
    return [
        DraftSectionContent(key="basics", title=t("review_record.part.basics"),
                            body=_label_lines(fields[:2])),
        DraftSectionContent(key="disclosure", title=t("review_record.part.disclosure"),
                            body=_label_lines(fields[2:])),
        DraftSectionContent(key="decisions", title=t("review_record.part.decisions"),
                            body="\n".join(lines) or t("review_record.no_decisions")),
    ]


def _label_lines(fields: list[tuple[str, str]]) -> str:
    # One paragraph per field; a field's own line breaks stay inside its paragraph.
    return "\n".join(f"{label}：{' '.join(value.split())}" for label, value in fields)


def _audit_record_export(session: Session, *, actor: User, record: ReviewRecord, name: str,
                         size: int) -> None:
    audit.record(session, actor=actor, action="review.record_export", entity="draft",
                 entity_id=record.draft.id,
                 detail={"file": name, "decisions": len(record.decisions), "bytes": size})
    logger.info("review record of draft %s exported as %s by user %s (%s bytes)",
                record.draft.id, name, actor.id, size)
