"""The 依据 of 答问口径 and 答记者问 questions, checked against the draft's linked policy.

A question's 依据 (DraftSection.source_ref, e.g. 二、（三）；第五条) names the clauses its
answer rests on. Each cited clause is looked up in the policy's parsed structure the way
the AI citation check does it (planner.services.ai.check_citations), with every line of the
field read as a 依据 line, so a lone 二、 counts as a citation. Parts of the field that name
another document in 《》 (《政府信息公开条例》第十六条) are not checked, because that
document's clauses are not in the linked policy.

The answer-details form shows the clauses it cannot find after a save. 送审 refuses a draft
with such clauses unless the submitter confirms them (planner.services.review.submit). The
check is skipped for a draft without a linked policy or a policy without parsed clauses.
"""

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from planner.documents.citations import as_basis_lines
from planner.documents.templates import INTRO_KEY
from planner.errors import Conflict
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import Draft, DraftKind, DraftSection, Policy, PolicySection, User
from planner.services import audit

logger = logging.getLogger(__name__)

CHECKED_KINDS = {DraftKind.ANSWER_BRIEF, DraftKind.QA}
_PARTS = re.compile(r"[；;\n]")
_DOCUMENT_NAME = re.compile(r"《([^《》]+)》")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class UnverifiedSource:
    """A question whose 依据 cites clauses the linked policy does not have."""

    section_id: int
    question: str
    clauses: tuple[str, ...]    # as written in the 依据


def unverified_sources(session: Session, draft: Draft) -> list[UnverifiedSource]:
    """Return the draft's questions whose 依据 cites clauses missing from its policy."""
    policy = _checkable_policy(session, draft)
    if policy is None:
        return []
    sections = session.exec(select(DraftSection).where(DraftSection.draft_id == draft.id,
                                                       DraftSection.key != INTRO_KEY)
                            .order_by(DraftSection.position, DraftSection.id)).all()
    found = []
    for section in sections:
        clauses = _missing_clauses(session, policy, section.source_ref)
        if clauses:
            found.append(UnverifiedSource(section_id=section.id, question=section.title,
                                          clauses=clauses))
    return found


def unverified_in_section(session: Session, section: DraftSection) -> tuple[str, ...]:
    """Return the clauses of one question's 依据 that its draft's policy does not have."""
    draft = session.get(Draft, section.draft_id)
    policy = _checkable_policy(session, draft) if draft is not None else None
    if policy is None or section.key == INTRO_KEY:
        return ()
    return _missing_clauses(session, policy, section.source_ref)


def require_verified(session: Session, *, actor: User, draft: Draft,
                     confirmed: bool) -> list[UnverifiedSource]:
    """Raise Conflict naming the questions whose 依据 the policy does not have, unless the
    submitter `confirmed` them; a confirmation goes into the audit trail."""
    found = unverified_sources(session, draft)
    if not found:
        return []
    if not confirmed:
        raise Conflict("answer_sources.unverified_submit", title=inside_quotes(draft.title),
                       policy=policy_title(session, draft), places=describe(found))

    audit.record(session, actor=actor, action="draft.sources_confirmed", entity="draft",
                 entity_id=draft.id, detail={"section_ids": [item.section_id for item in found],
                                             "clauses": sum(len(item.clauses)
                                                            for item in found)})
    logger.info("draft %s submitted by user %s with %s questions citing missing clauses",
                draft.id, actor.id, len(found))
    return found


def describe(found: list[UnverifiedSource]) -> str:
    """“问题”：九十九、（九）；… for messages."""
    return "；".join(t("answer_sources.place", question=inside_quotes(item.question[:40]),
                      clauses="、".join(item.clauses)) for item in found)


def _checkable_policy(session: Session, draft: Draft) -> Policy | None:
    if draft.kind not in CHECKED_KINDS or draft.policy_id is None:
        return None
    clauses = session.exec(select(func.count()).select_from(PolicySection)
                           .where(PolicySection.policy_id == draft.policy_id)).one()
    return session.get(Policy, draft.policy_id) if clauses else None


def _missing_clauses(session: Session, policy: Policy, source_ref: str) -> tuple[str, ...]:
    from planner.services import ai   # ai imports drafts, which imports review (and this)

    own_parts = [part for part in _PARTS.split(source_ref or "")
                 if part.strip() and _about_policy(part, policy)]
    if not own_parts:
        return ()
    checks = ai.check_citations(session, policy.id, as_basis_lines("\n".join(own_parts)))
    return tuple(ai.unverified_clauses(checks))


def _about_policy(part: str, policy: Policy) -> bool:
    """False when the part names another document in 《》: the linked policy by its full
    title, or by a short name its title ends with (《实施意见》), counts as itself."""
    names = [_SPACES.sub("", name) for name in _DOCUMENT_NAME.findall(part)]
    if not names:
        return True
    title = _SPACES.sub("", policy.title)
    return any(name == title or (title and title.endswith(name)) for name in names)


def policy_title(session: Session, draft: Draft) -> str:
    """Return the linked policy's title, to set inside 《》 in a message; "" without one."""
    policy = session.get(Policy, draft.policy_id) if draft.policy_id else None
    return inside_book_marks(policy.title) if policy else ""
