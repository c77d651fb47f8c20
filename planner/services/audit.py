"""登记备案: the audit trail. Rows are only ever inserted, each chained to the one before.

Every row carries `row_hash`, the SHA-256 of a canonical serialisation of the previous
row's hash and this row's fields. A row changed or removed directly in the database
therefore breaks the chain at that place, and `verify_chain` reports it.

Appends go through the single `audit_head` row, which each writer updates first. That
takes a row lock on PostgreSQL and the write lock on SQLite, so concurrent writers wait
for each other instead of chaining two rows to the same predecessor.

NOTE: the chain shows edits made without rewriting every later hash. Someone with write
access who recomputes the whole tail is caught only by comparing the head hash that
`python -m planner audit verify` prints with a copy kept outside the database.
"""

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, update
from sqlmodel import Session, select

from planner.csvsafe import csv_bytes
from planner.errors import InvalidInput, PermissionDenied
from planner.filenames import safe_filename
from planner.i18n import has_key, t
from planner.models import AuditEntry, AuditHead, Role, Unit, User
from planner.permissions import probing, require
from planner.timeutil import combine_office, now_utc, to_office

logger = logging.getLogger(__name__)

CHAIN_FORMAT = "audit-v1"      # part of every hash; a new format gets a new name
GENESIS_HASH = "0" * 64        # the "previous hash" of the first row
HEAD_ID = 1
READ_ROLES = {Role.ADMIN, Role.GENERAL_OFFICE}
MAX_PAGE_SIZE = 500            # a page never loads the whole trail
VERIFY_BATCH = 5000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int                       # rows whose hash and link were checked
    first_broken_id: int | None = None
    reason: str | None = None          # a key under [audit.verify] in the catalog
    previous_id: int | None = None     # the last row whose hash and link held
    head_id: int | None = None         # the newest row id that audit_head records
    head_hash: str = ""                # the newest row_hash, to compare with a kept copy


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_name: str
    username: str
    unit_name: str
    action: str
    entity: str
    entity_id: int | None
    detail: str
    row_hash: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int                         # rows matching the filters, across all pages


@dataclass(frozen=True)
class AuditFilterOptions:
    users: dict[int, str]              # user id → "姓名（用户名）"
    units: dict[int, str]
    entities: list[str]


# --- writing -----------------------------------------------------------------------------

def record(session: Session, *, actor: User | None, action: str, entity: str,
           entity_id: int | None, detail: dict | None = None) -> AuditEntry:
    """Append an audit row in the caller's transaction, so it commits with the change.

    The row records the actor's unit at the time of the action and is chained to the
    current head of the trail. Call it after the transaction's other writes: the append
    lock it takes is held until commit, and taking it last keeps other writers' wait short
    and avoids lock-order deadlocks on PostgreSQL.
    """
    prev_hash = _lock_head(session)

    entry = AuditEntry(
        at=now_utc(),
        actor_id=actor.id if actor else None,
        unit_id=actor.unit_id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
        prev_hash=prev_hash,
    )
    entry.row_hash = entry_hash(entry)
    session.add(entry)
    session.flush()

    _move_head(session, entry)
    logger.info("audit %s %s#%s by user %s as row %s", action, entity, entity_id,
                entry.actor_id, entry.id)
    return entry


def _lock_head(session: Session) -> str:
    """Take the append lock and return the hash the next row links to."""
    bumped = session.exec(
        update(AuditHead).where(AuditHead.id == HEAD_ID)
        .values(appended=AuditHead.appended + 1)
        .execution_options(synchronize_session=False))
    if bumped.rowcount != 1:
        # Migration 0005 creates this row; without it nothing can be chained safely.
        raise RuntimeError("audit_head row missing: run `python -m planner migrate`")
    return session.exec(select(AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).one()


def _move_head(session: Session, entry: AuditEntry) -> None:
    session.exec(
        update(AuditHead).where(AuditHead.id == HEAD_ID)
        .values(last_id=entry.id, last_hash=entry.row_hash)
        .execution_options(synchronize_session=False))


# --- the hash ----------------------------------------------------------------------------

def canonical_time(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds; a naive time is UTC (as SQLite returns it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def row_hash(prev_hash: str, *, at: datetime, actor_id: int | None, unit_id: int | None,
             action: str, entity: str, entity_id: int | None, detail: str) -> str:
    """SHA-256 (hex) of the canonical serialisation of one row and its predecessor's hash.

    The serialisation is a compact JSON array in a fixed order, so no field can run into
    the next. Changing it would invalidate every stored hash: a new format needs a new
    CHAIN_FORMAT name and a migration that re-chains the trail.
    """
    fields = [CHAIN_FORMAT, prev_hash, canonical_time(at), actor_id, unit_id, action,
              entity, entity_id, detail]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_hash(entry) -> str:
    """Compute the hash of a stored row (an AuditEntry or a row with its column names)."""
    return row_hash(entry.prev_hash, at=entry.at, actor_id=entry.actor_id,
                    unit_id=entry.unit_id, action=entry.action, entity=entry.entity,
                    entity_id=entry.entity_id, detail=entry.detail)


# --- verifying ---------------------------------------------------------------------------

def verify_chain(session: Session) -> VerifyResult:
    """Walk the trail oldest first and report the first row whose hash or link is wrong.

    A changed row fails its own hash ("hash_mismatch"). A removed row leaves the next
    one pointing at a hash that is not its predecessor's ("prev_link_mismatch", or
    "first_link_mismatch" when the oldest rows were removed). Removed
    newest rows, or rows inserted without going through `record`, disagree with
    audit_head ("head_mismatch").
    """
    previous_hash, previous_id, checked = GENESIS_HASH, None, 0
    for row in _rows_oldest_first(session):
        if row.prev_hash != previous_hash:
            reason = "prev_link_mismatch" if previous_id else "first_link_mismatch"
            return _broken(row.id, reason, checked, previous_id)
        if entry_hash(row) != row.row_hash:
            return _broken(row.id, "hash_mismatch", checked, previous_id)
        previous_hash, previous_id, checked = row.row_hash, row.id, checked + 1

    head = session.exec(select(AuditHead).where(AuditHead.id == HEAD_ID)).first()
    if head is None:
        return _broken(None, "head_missing", checked, previous_id)
    if head.last_hash != previous_hash or head.last_id != (previous_id or 0):
        return _broken(_first_past_head(session, head, previous_id), "head_mismatch",
                       checked, previous_id, head.last_id)
    if head.appended != checked:
        return _broken(None, "count_mismatch", checked, previous_id, head.last_id)

    logger.info("audit chain verified: %s rows", checked)
    return VerifyResult(ok=True, checked=checked, previous_id=previous_id,
                        head_id=head.last_id, head_hash=previous_hash)


def _first_past_head(session: Session, head: AuditHead, previous_id: int | None) -> int:
    """Return the row id where table and head disagree.

    That is the first row inserted after the head's newest row, or else the head's
    newest row itself (removed or rewritten).
    """
    if previous_id is not None and previous_id > head.last_id:
        return session.exec(select(func.min(AuditEntry.id))
                            .where(AuditEntry.id > head.last_id)).one()
    return head.last_id


def _rows_oldest_first(session: Session) -> Iterator:
    """Yield rows in id order, one batch at a time, so a long trail fits in memory.

    The rows are plain column tuples, not ORM objects, so the session does not grow.
    """
    columns = (AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.unit_id,
               AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.detail,
               AuditEntry.prev_hash, AuditEntry.row_hash)
    last_id = 0
    while True:
        batch = session.exec(select(*columns).where(AuditEntry.id > last_id)
                             .order_by(AuditEntry.id).limit(VERIFY_BATCH)).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def _broken(row_id: int | None, reason: str, checked: int, previous_id: int | None,
            head_id: int | None = None) -> VerifyResult:
    logger.error("audit chain broken at row %s: %s (after row %s)", row_id, reason,
                 previous_id)
    return VerifyResult(ok=False, checked=checked, first_broken_id=row_id, reason=reason,
                        previous_id=previous_id, head_id=head_id)


def describe(result: VerifyResult) -> str:
    """Return the verification result as a sentence for the operator (catalog text)."""
    if result.ok:
        return t("audit.verify.ok", checked=result.checked, head=result.head_hash)
    return t(f"audit.verify.{result.reason}", id=result.first_broken_id,
             previous=_or_dash(result.previous_id), head=_or_dash(result.head_id),
             checked=result.checked)


def _or_dash(value: int | None) -> str:
    return "—" if value is None else str(value)


# --- reading (管理员 and 厅办公室 only) -----------------------------------------------------

def may_read(session: Session, *, actor: User) -> bool:
    """Tell whether `actor` may read and export the trail, so the navigation offers the
    审计记录 page only to them; query and export check again."""
    try:
        with probing():
            require(session, actor, "read_audit", READ_ROLES)
    except PermissionDenied:
        return False
    return True


def query(session: Session, *, actor: User, user_id: int | None = None,
          unit_id: int | None = None, entity: str | None = None,
          date_from: date | None = None, date_to: date | None = None,
          limit: int = 50, offset: int = 0) -> AuditPage:
    """Return one page of the trail, newest first, with the number of matching rows.

    Dates are office days (Asia/Shanghai), both ends included.
    """
    require(session, actor, "read_audit", READ_ROLES)
    conditions = _conditions(user_id, unit_id, entity, date_from, date_to)
    limit = max(1, min(limit, MAX_PAGE_SIZE))

    total = session.exec(select(func.count()).select_from(AuditEntry)
                         .where(*conditions)).one()
    # Pick the page's ids from audit_entry alone, then join names for those rows only:
    # a deep page then skips index entries instead of joined rows.
    page_ids = (select(AuditEntry.id).where(*conditions).order_by(AuditEntry.id.desc())
                .limit(limit).offset(max(0, offset)).subquery())
    statement = (_row_select().join(page_ids, page_ids.c.id == AuditEntry.id)
                 .order_by(AuditEntry.id.desc()))
    rows = [_to_row(values) for values in session.exec(statement)]
    return AuditPage(rows=rows, total=total)


def filter_options(session: Session, *, actor: User) -> AuditFilterOptions:
    """Return the people, units and entity kinds that the audit page offers as filters."""
    require(session, actor, "read_audit", READ_ROLES)

    users = {user.id: f"{user.display_name}（{user.username}）"
             for user in session.exec(select(User).order_by(User.display_name))}
    units = {unit.id: unit.name for unit in session.exec(select(Unit).order_by(Unit.name))}
    entities = list(session.exec(select(AuditEntry.entity).distinct()
                                 .order_by(AuditEntry.entity)))
    return AuditFilterOptions(users=users, units=units, entities=entities)


def export_csv(session: Session, *, actor: User, user_id: int | None = None,
               unit_id: int | None = None, entity: str | None = None,
               date_from: date | None = None, date_to: date | None = None) -> bytes:
    """Export every matching row as CSV (UTF-8 with BOM, formula cells neutralised).

    The export itself is recorded as "audit.export" with its filters and row count.
    """
    require(session, actor, "read_audit", READ_ROLES)
    conditions = _conditions(user_id, unit_id, entity, date_from, date_to)

    exported = 0

    def counted_rows() -> Iterator[list]:
        nonlocal exported
        for row in _export_rows(session, conditions):
            exported += 1
            yield row

    data = csv_bytes(_export_header(), counted_rows())

    record(session, actor=actor, action="audit.export", entity="audit_entry", entity_id=None,
           detail={"rows": exported, "user_id": user_id, "unit_id": unit_id,
                   "entity": entity, "date_from": date_from, "date_to": date_to})
    logger.info("audit trail exported by user %s: %s rows", actor.id, exported)
    return data


def export_filename(date_from: date | None = None, date_to: date | None = None) -> str:
    stem = t("audit.export_stem")
    if date_from or date_to:
        stem += f"_{date_from or ''}至{date_to or ''}"
    return safe_filename(stem, "csv")


def action_label(action: str) -> str:
    """Return the Chinese name of an audit action, or its code if the catalog lacks it."""
    key = f"audit.action.{action}"
    return t(key) if has_key(key) else action


def entity_label(entity: str) -> str:
    key = f"audit.entity.{entity}"
    return t(key) if has_key(key) else entity


def _conditions(user_id: int | None, unit_id: int | None, entity: str | None,
                date_from: date | None, date_to: date | None) -> list:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("audit.date_range_invalid", start=date_from, end=date_to)

    conditions = []
    if user_id is not None:
        conditions.append(AuditEntry.actor_id == user_id)
    if unit_id is not None:
        conditions.append(AuditEntry.unit_id == unit_id)
    if entity:
        conditions.append(AuditEntry.entity == entity)
    if date_from is not None:
        conditions.append(AuditEntry.at >= combine_office(date_from, time(0)))
    if date_to is not None:
        conditions.append(AuditEntry.at < combine_office(date_to + timedelta(days=1), time(0)))
    return conditions


def _row_select():
    return (select(AuditEntry.id, AuditEntry.at, User.display_name, User.username, Unit.name,
                   AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.detail, AuditEntry.row_hash)
            .select_from(AuditEntry)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .outerjoin(Unit, Unit.id == AuditEntry.unit_id))


def _to_row(values) -> AuditRow:
    (row_id, at, display_name, username, unit_name, action, entity, entity_id, detail,
     digest) = values
    return AuditRow(id=row_id, at=at, actor_name=display_name or "", username=username or "",
                    unit_name=unit_name or "", action=action, entity=entity,
                    entity_id=entity_id, detail=detail, row_hash=digest)


def _export_header() -> list[str]:
    return [t(f"audit.column.{name}") for name in
            ("id", "at", "actor", "username", "unit", "action", "action_code", "entity",
             "entity_id", "detail", "row_hash")]


def _export_rows(session: Session, conditions: list) -> Iterator[list]:
    """Yield the matching rows as CSV cells, newest first, fetched in batches by id."""
    upper = None
    while True:
        statement = _row_select().where(*conditions)
        if upper is not None:
            statement = statement.where(AuditEntry.id < upper)
        batch = [_to_row(values) for values in
                 session.exec(statement.order_by(AuditEntry.id.desc()).limit(VERIFY_BATCH))]
        if not batch:
            return
        for row in batch:
            yield [row.id, to_office(row.at).strftime("%Y-%m-%d %H:%M:%S"), row.actor_name,
                   row.username, row.unit_name, action_label(row.action), row.action,
                   entity_label(row.entity), row.entity_id, row.detail, row.row_hash]
        upper = batch[-1].id

