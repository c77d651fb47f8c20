"""Policies: import (parse, let the user correct, save), read back, edit fields."""

import json
import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from planner.config import get_settings
from planner.documents.parsing import parse_policy_lines, parse_policy_text
from planner.documents.reading import read_policy_file
from planner.documents.structure import ParsedPolicy, ParsedSection
from planner.errors import InvalidInput, NotFound
from planner.models import Policy, PolicySection, Role, User
from planner.permissions import require
from planner.services import audit, deadlines
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 300
# 承办人员 import the policies they interpret; 厅办公室 and 管理员 may load them for others.
POLICY_EDITORS = {Role.DRAFTER, Role.GENERAL_OFFICE, Role.ADMIN}


@dataclass
class PolicyFields:
    """The header fields a user may correct before or after saving."""

    title: str
    doc_number: str = ""
    issuer: str = ""
    addressee: str = ""
    issue_date: date | None = None
    is_normative: bool = False             # 规范性文件: online within 3 working days
    paper_issued_on: date | None = None    # 纸质公文印发日期
    published_on: date | None = None       # 公开发布日期; the 解读 is due the same day


def parse_upload(filename: str, data: bytes) -> tuple[ParsedPolicy, str]:
    """Parse an uploaded file after checking the size limit; returns (parsed, plain text)."""
    limit_mb = get_settings().upload_max_mb
    if len(data) > limit_mb * 1024 * 1024:
        raise InvalidInput("policy.file_too_large", name=filename,
                           size_mb=f"{len(data) / 1024 / 1024:.1f}", limit_mb=limit_mb)
    lines = read_policy_file(filename, data)
    return parse_policy_lines(lines), "\n".join(lines)


def parse_pasted(text: str) -> tuple[ParsedPolicy, str]:
    if not text.strip():
        raise InvalidInput("policy.paste_empty")
    return parse_policy_text(text), text


def save_policy(session: Session, *, actor: User, parsed: ParsedPolicy, fields: PolicyFields,
                source_name: str, raw_text: str) -> Policy:
    """Store a parsed policy with the user's corrected header fields and its section tree."""
    require(session, actor, "create_policy", POLICY_EDITORS)
    _validate_fields(fields)

    policy = Policy(source_name=source_name[:255], raw_text=raw_text, created_by=actor.id)
    _apply_fields(policy, fields)
    session.add(policy)
    session.flush()

    _store_sections(session, policy.id, parsed.sections, parent_id=None, parent_path="")
    deadlines.track_policy(session, actor=actor, policy=policy)
    audit.record(session, actor=actor, action="policy.create", entity="policy",
                 entity_id=policy.id, detail={"title": policy.title, "source": source_name})
    logger.info("policy %s saved with %s top-level sections", policy.id, len(parsed.sections))
    return policy


def update_fields(session: Session, *, actor: User, policy_id: int,
                  fields: PolicyFields) -> Policy:
    require(session, actor, "update_policy", POLICY_EDITORS)
    policy = get_policy(session, policy_id)
    _validate_fields(fields)

    before = {"title": policy.title, "doc_number": policy.doc_number, "issuer": policy.issuer}
    _apply_fields(policy, fields)
    policy.updated_at = now_utc()
    session.add(policy)

    audit.record(session, actor=actor, action="policy.update", entity="policy",
                 entity_id=policy.id, detail={"before": before, "title": policy.title})
    deadlines.track_policy(session, actor=actor, policy=policy)
    return policy


def get_policy(session: Session, policy_id: int) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound("policy.not_found", id=policy_id)
    return policy


def list_policies(session: Session) -> list[Policy]:
    return list(session.exec(select(Policy).order_by(Policy.created_at.desc(), Policy.id.desc())))


def load_parsed(session: Session, policy_id: int) -> ParsedPolicy:
    """Rebuild the parsed form of a stored policy, with the user's corrected fields."""
    policy = get_policy(session, policy_id)
    rows = session.exec(select(PolicySection).where(PolicySection.policy_id == policy_id)
                        .order_by(PolicySection.position)).all()

    nodes: dict[int, ParsedSection] = {}
    top: list[ParsedSection] = []
    for row in rows:
        node = ParsedSection(label=row.label, heading=row.heading, text=row.text, kind=row.kind,
                             level=row.level,
                             rows=json.loads(row.table_json) if row.table_json else None)
        nodes[row.id] = node
        siblings = nodes[row.parent_id].children if row.parent_id in nodes else top
        siblings.append(node)

    # The preamble and citations are not stored separately: re-parsing the source
    # text is cheap (milliseconds) and keeps one definition of what they are.
    source = parse_policy_text(policy.raw_text) if policy.raw_text.strip() else ParsedPolicy()
    return ParsedPolicy(title=policy.title, doc_number=policy.doc_number, issuer=policy.issuer,
                        addressee=policy.addressee, date=policy.issue_date,
                        preamble=source.preamble, cited_documents=source.cited_documents,
                        sections=top)


def _validate_fields(fields: PolicyFields) -> None:
    title = fields.title.strip()
    if not title:
        raise InvalidInput("policy.title_missing")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput("policy.title_too_long", length=len(title), limit=MAX_TITLE_LENGTH)


def _apply_fields(policy: Policy, fields: PolicyFields) -> None:
    policy.title = fields.title.strip()
    policy.doc_number = fields.doc_number.strip()
    policy.issuer = fields.issuer.strip()
    policy.addressee = fields.addressee.strip()
    policy.issue_date = fields.issue_date
    policy.is_normative = fields.is_normative
    policy.paper_issued_on = fields.paper_issued_on
    policy.published_on = fields.published_on


def _store_sections(session: Session, policy_id: int, sections: list[ParsedSection],
                    parent_id: int | None, parent_path: str, counter: list[int] | None = None
                    ) -> None:
    # Positions are global across the tree, so one ORDER BY restores document order.
    counter = counter if counter is not None else [0]
    for section in sections:
        path = _citation_path(parent_path, section.label)
        row = PolicySection(policy_id=policy_id, parent_id=parent_id, position=counter[0],
                            level=section.level, kind=section.kind, label=section.label[:32],
                            path=path[:128], heading=section.heading, text=section.text,
                            table_json=json.dumps(section.rows, ensure_ascii=False)
                            if section.rows is not None else None)
        counter[0] += 1
        session.add(row)
        session.flush()
        _store_sections(session, policy_id, section.children, row.id, path, counter)


def _citation_path(parent_path: str, label: str) -> str:
    # An article number (第五条) is unique in its document, so it is cited on its own.
    if label.startswith("第") and label.endswith("条"):
        return label
    return f"{parent_path}{label}"
