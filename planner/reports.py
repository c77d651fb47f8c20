"""舆情监测报告: the figures of a period, and the report as Word or as a draft for review.

A period is a range of office-local dates, both ends included, over the items' first
sighting. The on-time rate counts the response clocks of those items (planner.deadlines):
a clock stopped by its due time is on time, one stopped later or still running past its
due time is late, and one still running before its due time is not counted yet.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.templates import load_template_spec
from planner.documents.word import render_docx
from planner.errors import InvalidInput
from planner.filenames import safe_filename
from planner.i18n import t
from planner.models import (Disclosure, Draft, DraftKind, Obligation, ObligationStatus,
                            OpinionItem, OpinionSeverity, OpinionSource, OpinionStatus, Unit,
                            User)
from planner.permissions import require
from planner.services import audit, deadlines, generated_drafts, opinion_clocks, opinions
from planner.timeutil import combine_office, format_cn_date, format_office, now_utc, to_office

logger = logging.getLogger(__name__)

MAX_MAIN_ITEMS = 20
MAX_PERIOD_DAYS = 366
# The main items are the serious ones (较大 and above); a quiet period lists its newest.
MAIN_SEVERITIES = (OpinionSeverity.SERIOUS, OpinionSeverity.MAJOR, OpinionSeverity.CRITICAL)


@dataclass
class MainItem:
    id: int
    first_seen: str
    severity: str
    source: str
    summary: str
    status: str
    handling: str


@dataclass
class MonitoringReport:
    start: date
    end: date                        # included
    total: int
    by_severity: dict[str, int]      # Chinese label → count, every level listed
    by_source: dict[str, int]
    by_category: dict[str, int]      # most frequent first
    by_status: dict[str, int]
    main_items: list[MainItem] = field(default_factory=list)
    clocks_on_time: int = 0
    clocks_late: int = 0
    clocks_running: int = 0

    @property
    def on_time_rate(self) -> float | None:
        judged = self.clocks_on_time + self.clocks_late
        return self.clocks_on_time / judged if judged else None


def build(session: Session, *, actor: User, start: date, end: date,
          now: datetime | None = None) -> MonitoringReport:
    """Count the period's items and judge their response clocks (厅办公室)."""
    require(session, actor, "opinion_report", opinions.OFFICE_ROLES)
    _check_period(start, end)
    window = (combine_office(start, datetime.min.time()),
              combine_office(end + timedelta(days=1), datetime.min.time()))
    in_period = (OpinionItem.first_seen_at >= window[0], OpinionItem.first_seen_at < window[1])

    report = MonitoringReport(
        start=start, end=end,
        total=session.exec(select(func.count()).select_from(OpinionItem).where(*in_period)).one(),
        by_severity=_labelled(_count(session, OpinionItem.severity, in_period),
                              "opinion.severity", OpinionSeverity),
        by_source=_labelled(_count(session, OpinionItem.source, in_period),
                            "opinion.source", OpinionSource),
        by_category=_categories(_count(session, OpinionItem.category, in_period)),
        by_status=_labelled(_count(session, OpinionItem.status, in_period),
                            "opinion.status", OpinionStatus),
        main_items=_main_items(session, in_period))
    _judge_clocks(session, report, in_period, now or now_utc())

    logger.info("monitoring report %s to %s: %d items", start, end, report.total)
    return report


def bodies(report: MonitoringReport) -> dict[str, str]:
    """Write the text of each report section, keyed as in templates/opinion_report.toml."""
    return {
        "overview": t("report.overview", start=format_cn_date(report.start),
                      end=format_cn_date(report.end), total=report.total,
                      serious=sum(report.by_severity.get(t(f"opinion.severity.{code}"), 0)
                                  for code in MAIN_SEVERITIES)),
        "severity": _count_lines(report.by_severity, report.total),
        "source": _count_lines(report.by_source, report.total),
        "category": _count_lines(report.by_category, report.total) or t("report.none"),
        "main_items": "\n".join(_main_item_lines(report.main_items)) or t("report.none"),
        "timeliness": _timeliness(report),
    }


def document(report: MonitoringReport, *, issuer: str = "",
             today: date | None = None) -> DraftDocument:
    """Lay the report out in the 舆情监测报告 template's sections, ready for render_docx."""
    spec = load_template_spec(DraftKind.OPINION_REPORT)
    texts = bodies(report)
    sections = [DraftSectionContent(key=s.key, title=s.title,
                                    body=texts.get(s.key) or t("documents.prefill.to_complete",
                                                               hint=s.hint))
                for s in spec.sections]
    return DraftDocument(kind=DraftKind.OPINION_REPORT, title=t("report.title"),
                         subtitle=_period_text(report), sections=sections, issuer=issuer,
                         date=today or to_office(now_utc()).date())


def to_docx(session: Session, report: MonitoringReport, *, actor: User, issuer: str = "",
            today: date | None = None) -> tuple[str, bytes]:
    """Render the report as a GB/T 9704-2012 Word file; returns (file name, bytes).

    The same people as for `build` (厅办公室); the export is recorded as
    "opinion_report.export" with the file name and the period.
    """
    require(session, actor, "opinion_report", opinions.OFFICE_ROLES)
    doc = document(report, issuer=issuer, today=today)
    data = render_docx(doc)

    name = export_filename(report)
    audit.record(session, actor=actor, action="opinion_report.export",
                 entity="opinion_report", entity_id=None,
                 detail={"file": name, "start": report.start, "end": report.end,
                         "bytes": len(data)})
    logger.info("monitoring report %s to %s rendered to Word by user %s", report.start,
                report.end, actor.id)
    return name, data


def export_filename(report: MonitoringReport) -> str:
    """Return the Word file name of the report, known before the file is rendered."""
    return safe_filename(f"{t('report.title')}{_period_text(report)}", "docx")


def to_draft(session: Session, *, actor: User, report: MonitoringReport) -> Draft:
    """Save the report as a draft (不公开, an internal record) for 初审 → 审核 → 审发."""
    unit_id = opinions.office_unit_id(session, actor)
    return generated_drafts.create(session, actor=actor, kind=DraftKind.OPINION_REPORT,
                                   title=f"{t('report.title')}{_period_text(report)}",
                                   bodies=bodies(report), unit_id=unit_id,
                                   disclosure=Disclosure.NOT_PUBLIC,
                                   source={"period": [report.start.isoformat(),
                                                      report.end.isoformat()]})


def office_unit_name(session: Session, actor: User) -> str:
    unit = session.get(Unit, opinions.office_unit_id(session, actor) or -1)
    return unit.name if unit else ""


# --- helpers ----------------------------------------------------------------------------

def _check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("report.period_reversed", start=format_cn_date(start),
                           end=format_cn_date(end))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput("report.period_too_long", limit=MAX_PERIOD_DAYS)


def _count(session: Session, column, in_period) -> dict[str, int]:
    rows = session.exec(select(column, func.count()).where(*in_period).group_by(column))
    return {code: count for code, count in rows}


def _labelled(counts: dict[str, int], group: str, codes) -> dict[str, int]:
    return {t(f"{group}.{code}"): counts.get(code, 0) for code in codes}


def _categories(counts: dict[str, int]) -> dict[str, int]:
    named = {(name or t("report.uncategorised")): n for name, n in counts.items()}
    return dict(sorted(named.items(), key=lambda pair: (-pair[1], pair[0])))


def _main_items(session: Session, in_period) -> list[MainItem]:
    order = (OpinionItem.first_seen_at.desc(), OpinionItem.id.desc())
    rows = list(session.exec(select(OpinionItem).where(
        *in_period, OpinionItem.severity.in_(MAIN_SEVERITIES)).order_by(*order)
        .limit(MAX_MAIN_ITEMS)))
    if not rows:
        rows = list(session.exec(select(OpinionItem).where(*in_period).order_by(*order)
                                 .limit(5)))
    return [_main_item(session, item) for item in rows]


def _main_item(session: Session, item: OpinionItem) -> MainItem:
    units = [session.get(Unit, uid) for uid in opinions.forwarded_unit_ids(session, item.id)]
    handling = []
    if units:
        handling.append(t("report.forwarded_to", units="、".join(u.name for u in units if u)))
    for response in opinions.responses(session, item.id):
        handling.append(t("report.response", kind=t(f"opinion.response.{response.kind}"),
                          time=format_office(response.responded_at)))
    return MainItem(id=item.id, first_seen=format_office(item.first_seen_at),
                    severity=t(f"opinion.severity.{item.severity}"),
                    source=opinions.source_label(item),
                    summary=opinions.short_text(item.summary, 80),
                    status=t(f"opinion.status.{item.status}"),
                    handling="；".join(handling) or t("report.not_handled"))


def _judge_clocks(session: Session, report: MonitoringReport, in_period,
                  now: datetime) -> None:
    ids = select(OpinionItem.id).where(*in_period)
    rows = session.exec(select(Obligation).where(Obligation.entity == opinion_clocks.ENTITY,
                                                 Obligation.entity_id.in_(ids)))
    calc = deadlines.calculator(session)
    for row in rows:
        if row.status == ObligationStatus.CANCELLED:
            continue
        due = deadlines.due_of(session, row, calc).at
        if row.status == ObligationStatus.DONE:
            on_time = to_office(row.completed_at) <= due
            report.clocks_on_time += on_time
            report.clocks_late += not on_time
        elif now >= due:
            report.clocks_late += 1
        else:
            report.clocks_running += 1


def _count_lines(counts: dict[str, int], total: int) -> str:
    lines = []
    for label, count in counts.items():
        if count:
            share = f"{count * 100 / total:.1f}%" if total else "—"
            lines.append(t("report.count_line", label=label, count=count, share=share))
    return "\n".join(lines)


def _main_item_lines(items: list[MainItem]) -> list[str]:
    return [t("report.main_item", n=n, time=item.first_seen, severity=item.severity,
              source=item.source, summary=item.summary, status=item.status,
              handling=item.handling)
            for n, item in enumerate(items, start=1)]


def _timeliness(report: MonitoringReport) -> str:
    rate = report.on_time_rate
    text = t("report.timeliness", on_time=report.clocks_on_time, late=report.clocks_late,
             rate=f"{rate * 100:.1f}%" if rate is not None else "—")
    if report.clocks_running:
        text += "\n" + t("report.running", count=report.clocks_running)
    return text


def _period_text(report: MonitoringReport) -> str:
    return t("report.period", start=format_cn_date(report.start), end=format_cn_date(report.end))

