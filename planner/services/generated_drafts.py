"""Drafts filled in from the office's own records instead of a policy.

舆情回应稿, 会议纪要 and 舆情监测报告 start from the section list of their template
(templates/<kind>.toml) with bodies written from an opinion item, a meeting or a
period's figures. From then on they are drafts like any other: edited section by
section, reviewed through 初审 → 审核 → 审发, exported as Word.
"""

import logging

from sqlmodel import Session

from planner.documents.templates import load_template_spec
from planner.i18n import t
from planner.models import Disclosure, Draft, DraftKind, DraftSection, User, VersionOrigin
from planner.permissions import require
from planner.services import audit, drafts

logger = logging.getLogger(__name__)


def create(session: Session, *, actor: User, kind: DraftKind, title: str,
           bodies: dict[str, str], unit_id: int, disclosure: Disclosure = Disclosure.PUBLIC,
           source: dict | None = None) -> Draft:
    """Create a draft of `kind` in `unit_id` with one section per template section.

    `bodies` maps a section key to its text; a section without one gets the template's
    hint as a prompt to complete. 不公开 drafts carry the catalog's reason and legal
    basis for internal records (讨论记录、过程性信息). `source` goes into the audit row.
    """
    require(session, actor, "create_draft", drafts.CREATOR_ROLES, unit_id=unit_id)
    spec = load_template_spec(kind)

    draft = Draft(kind=kind, title=title.strip(), disclosure=disclosure, unit_id=unit_id,
                  template=kind, created_by=actor.id, **_disclosure_texts(disclosure))
    session.add(draft)
    session.flush()
    for position, section in enumerate(spec.sections):
        body = bodies.get(section.key) or t("documents.prefill.to_complete", hint=section.hint)
        created = DraftSection(draft_id=draft.id, position=position, key=section.key,
                               title=section.title, body=body.strip(), updated_by=actor.id)
        session.add(created)
        session.flush()
        drafts.add_version(session, actor=actor, section=created, origin=VersionOrigin.CREATE,
                           base_number=None)

    audit.record(session, actor=actor, action="draft.create", entity="draft", entity_id=draft.id,
                 detail={"kind": kind, "unit_id": unit_id, "disclosure": disclosure,
                         **(source or {})})
    logger.info("draft %s (%s) created from records in unit %s", draft.id, kind, unit_id)
    return draft


def _disclosure_texts(disclosure: Disclosure) -> dict[str, str]:
    if disclosure == Disclosure.PUBLIC:
        return {"disclosure_reason": "", "disclosure_basis": ""}
    return {"disclosure_reason": t("generated_drafts.internal_reason"),
            "disclosure_basis": t("generated_drafts.internal_basis")}
