"""登记备案: the audit trail. Rows are only ever inserted."""

import json
import logging

from sqlmodel import Session, select

from planner.models import AuditEntry, User

logger = logging.getLogger(__name__)


def record(session: Session, *, actor: User | None, action: str, entity: str,
           entity_id: int | None, detail: dict | None = None) -> AuditEntry:
    """Add an audit row in the caller's transaction, so it commits with the change."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
    )
    session.add(entry)
    logger.info("audit %s %s#%s by user %s", action, entity, entity_id,
                actor.id if actor else None)
    return entry


def list_entries(session: Session, *, entity: str | None = None, entity_id: int | None = None,
                 limit: int = 200) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    return list(session.exec(query))
