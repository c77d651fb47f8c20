"""SQLModel tables. Times are stored in UTC; enums are stored as their string codes.

Enum columns use plain VARCHAR (not a database enum type) so a new state or kind is
a code change, not a schema migration, on both SQLite and PostgreSQL.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.timeutil import now_utc


def _code(length: int = 32) -> sa.String:
    return sa.String(length)


class UnitKind(StrEnum):
    DIVISION = "division"          # 厅机关处室
    AFFILIATE = "affiliate"        # 厅直属单位
    CITY_BUREAU = "city_bureau"    # 市（州）交通运输局


class EventKind(StrEnum):
    PRESS_CONFERENCE = "press_conference"    # 新闻发布会
    BRIEFING = "briefing"                    # 新闻通气会
    INTERVIEW = "interview"                  # 记者采访
    WRITTEN_QA = "written_qa"                # 答记者问
    ONLINE_RELEASE = "online_release"        # 网上新闻发布
    ONLINE_INTERVIEW = "online_interview"    # 在线访谈


class EventStatus(StrEnum):
    PLANNING = "planning"      # 策划中
    APPROVED = "approved"      # 已批准
    ANNOUNCED = "announced"    # 已预告
    HELD = "held"              # 已举行
    ARCHIVED = "archived"      # 已归档
    CANCELLED = "cancelled"    # 已取消


class DraftKind(StrEnum):
    INTERPRETATION = "interpretation"  # 政策解读
    QA = "qa"                          # 答记者问 / 答问口径
    OPINION_RESPONSE = "opinion_response"  # 舆情回应稿
    MEETING_NOTICE = "meeting_notice"      # 会议通知
    MEETING_MINUTES = "meeting_minutes"    # 会议纪要
    OPINION_REPORT = "opinion_report"      # 舆情监测报告
    PRESS_PLAN = "press_plan"              # 发布会方案
    PRESS_RELEASE = "press_release"        # 新闻通稿
    ANSWER_BRIEF = "answer_brief"          # 答问口径 (tiered questions for an event)
    EVENT_PREVIEW = "event_preview"        # 访谈预告 / 发布会预告
    TRANSCRIPT = "transcript"              # 文字实录
    ACTIVITY_INFO = "activity_info"        # 重要政务活动信息


class Disclosure(StrEnum):
    """公开属性, set on every draft from its creation."""

    PUBLIC = "public"            # 主动公开
    ON_REQUEST = "on_request"    # 依申请公开
    NOT_PUBLIC = "not_public"    # 不公开


class DraftStatus(StrEnum):
    """The review (三审) states. planner.services.review declares the allowed transitions."""

    DRAFT = "draft"                    # 草稿
    PENDING_FIRST = "pending_first"    # 待初审
    PENDING_SECOND = "pending_second"  # 待审核
    PENDING_FINAL = "pending_final"    # 待审发
    APPROVED = "approved"              # 已审发
    RELEASED = "released"              # 已发布
    RETURNED = "returned"              # 退回 (to the drafter, with a reason)


class Role(StrEnum):
    """Roles are held within a unit; one person may hold several."""

    DRAFTER = "drafter"                  # 承办人员
    DEPARTMENT_HEAD = "department_head"  # 承办部门负责人
    UNIT_HEAD = "unit_head"              # 单位负责人
    SPOKESPERSON = "spokesperson"        # 新闻发言人
    EXPERT = "expert"                    # 专家 / 评论员
    GENERAL_OFFICE = "general_office"    # 厅办公室
    ADMIN = "admin"                      # 管理员


class ReviewLevel(StrEnum):
    FIRST = "first"     # 初审
    SECOND = "second"   # 审核
    FINAL = "final"     # 审发


class ReviewOutcome(StrEnum):
    SUBMIT = "submit"    # the drafter sends the draft to review
    APPROVE = "approve"
    RETURN = "return"    # 退回


class SectionKind(StrEnum):
    HEADING = "heading"          # a numbered heading with its text
    PARAGRAPH = "paragraph"      # unnumbered body text
    ATTACHMENT = "attachment"    # 附件 block
    TABLE = "table"              # a table, rows kept in table_json


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    kind: str = Field(sa_type=_code(), default=UnitKind.DIVISION)
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=254)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    is_builtin: bool = False
    password_hash: str | None = Field(default=None, max_length=255)   # argon2id, never plain
    is_active: bool = True
    failed_sign_ins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_sign_in_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (sa.UniqueConstraint("user_id", "unit_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    role: str = Field(sa_type=_code())


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins per user name, also for names that match no account."""

    __tablename__ = "sign_in_throttle"

    username: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class Policy(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=300)
    doc_number: str = Field(default="", max_length=100)       # 发文字号
    issuer: str = Field(default="", max_length=200)           # 发文机关
    addressee: str = Field(default="", max_length=1000)       # 主送机关
    issue_date: date | None = None
    # 规范性文件: online within 3 working days of the paper issuance (纸质公文印发).
    is_normative: bool = False
    paper_issued_on: date | None = None    # 纸质公文印发日期
    published_on: date | None = None       # 公开发布日期 (online); the 政策解读 is due with it
    source_name: str = Field(default="", max_length=255)
    raw_text: str = Field(default="", sa_type=sa.Text)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class PolicySection(SQLModel, table=True):
    """One block of a policy's structure; the tree is kept by parent_id and position."""

    __tablename__ = "policy_section"

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policy.id", ondelete="CASCADE", index=True)
    parent_id: int | None = Field(default=None, foreign_key="policy_section.id",
                                  ondelete="CASCADE")
    position: int = 0
    level: int = 1
    kind: str = Field(sa_type=_code(), default=SectionKind.HEADING)
    label: str = Field(default="", max_length=32)      # 一、 / （三） / 第五条
    path: str = Field(default="", max_length=128)      # citation path, e.g. 二、（三）
    heading: str = Field(default="", sa_type=sa.Text)
    text: str = Field(default="", sa_type=sa.Text)
    table_json: str | None = Field(default=None, sa_type=sa.Text)


class PolicyRevision(SQLModel, table=True):
    """One replacement of a policy's text by a revised version (修订, 修正).

    The row keeps the text and header fields as they were before the replacement, with
    who replaced them, when and why. Number 1 is the text first imported.
    """

    __tablename__ = "policy_revision"
    __table_args__ = (sa.UniqueConstraint("policy_id", "number",
                                          name="uq_policy_revision_number"),)

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policy.id", ondelete="CASCADE", index=True)
    number: int
    raw_text: str = Field(default="", sa_type=sa.Text)
    source_name: str = Field(default="", max_length=255)
    title: str = Field(default="", max_length=300)
    doc_number: str = Field(default="", max_length=100)       # 发文字号
    issuer: str = Field(default="", max_length=200)           # 发文机关
    issue_date: date | None = None
    note: str = Field(default="", sa_type=sa.Text)            # 修订说明
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class Draft(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=_code())
    title: str = Field(max_length=300)
    policy_id: int | None = Field(default=None, foreign_key="policy.id", ondelete="SET NULL")
    disclosure: str = Field(sa_type=_code(), default=Disclosure.PUBLIC)
    disclosure_reason: str = Field(default="", sa_type=sa.Text)
    disclosure_basis: str = Field(default="", sa_type=sa.Text)   # legal basis for 不公开 etc.
    status: str = Field(sa_type=_code(), default=DraftStatus.DRAFT, index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL",
                                index=True)   # the drafting unit (承办单位)
    review_round: int = 0         # raised each time the draft is submitted to review
    status_changed_at: datetime = Field(default_factory=now_utc,
                                        sa_type=sa.DateTime(timezone=True))
    template: str = Field(default="", max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class DraftSection(SQLModel, table=True):
    """One editable section of a draft; for a Q&A draft, one question and its answer."""

    __tablename__ = "draft_section"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE", index=True)
    position: int = 0
    key: str = Field(default="", max_length=64)
    title: str = Field(default="", sa_type=sa.Text)     # section heading, or the question
    body: str = Field(default="", sa_type=sa.Text)      # section text, or the answer
    source_ref: str = Field(default="", max_length=500)  # 依据: the policy part it came from
    version: int = 1
    # Co-editing: the owner (the draft's author) assigns a section to an expert; a
    # read-only section is edited by the owner alone.
    assignee_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL",
                                    index=True)
    read_only: bool = False
    # 答问口径 only: the question's tier (AnswerTier), 答题要点 and 避免的表述.
    tier: str = Field(sa_type=_code(), default="")
    key_points: str = Field(default="", sa_type=sa.Text)
    avoid_phrasing: str = Field(default="", sa_type=sa.Text)
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class PressEvent(SQLModel, table=True):
    __tablename__ = "press_event"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=128, unique=True)   # iCalendar UID, stable for the event's life
    sequence: int = 0                               # iCalendar SEQUENCE, raised on reschedule
    kind: str = Field(sa_type=_code())
    status: str = Field(sa_type=_code(), default=EventStatus.PLANNING)
    topic: str = Field(max_length=300)
    starts_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    ends_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    venue: str = Field(default="", max_length=200)
    online_room: str = Field(default="", max_length=500)
    spokespeople: str = Field(default="", max_length=500)   # names, separated by 、
    host: str = Field(default="", max_length=100)           # 主持人
    invited_media: str = Field(default="", sa_type=sa.Text)
    agenda: str = Field(default="", sa_type=sa.Text)
    policy_id: int | None = Field(default=None, foreign_key="policy.id", ondelete="SET NULL")
    guests: str = Field(default="", sa_type=sa.Text)       # 嘉宾, one per line: 姓名 职务
    experts: str = Field(default="", sa_type=sa.Text)      # 专家, one per line: 姓名 职务
    question_channel: str = Field(default="", max_length=500)   # 预告: where to send questions
    cancel_reason: str = Field(default="", sa_type=sa.Text)
    held_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    archived_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class EventDraftLink(SQLModel, table=True):
    __tablename__ = "event_draft_link"

    event_id: int = Field(foreign_key="press_event.id", ondelete="CASCADE", primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE", primary_key=True,
                          index=True)
    role: str = Field(sa_type=_code(), default="")   # EventDocument code, "" for a plain link


class ReviewDecision(SQLModel, table=True):
    """One decision on one draft (一事一审): who, when, the opinion and the content approved."""

    __tablename__ = "review_decision"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE", index=True)
    review_round: int
    level: str | None = Field(default=None, sa_type=_code())   # None for a submission
    outcome: str = Field(sa_type=_code())
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    opinion: str = Field(default="", sa_type=sa.Text)
    content_hash: str = Field(max_length=64)   # SHA-256 of the exact content decided on
    content_json: str = Field(default="", sa_type=sa.Text)   # that content, for diffs


class DraftRelease(SQLModel, table=True):
    """发布: the frozen content of a released draft; a correction is a new release."""

    __tablename__ = "draft_release"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE", index=True)
    review_round: int
    released_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    released_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    content_hash: str = Field(max_length=64)
    content_json: str = Field(sa_type=sa.Text)


class HolidayOverride(SQLModel, table=True):
    """A day off or a make-up working day entered from the State Council's holiday notice."""

    __tablename__ = "holiday_override"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    is_workday: bool              # True: 调休上班; False: a day off
    name: str = Field(default="", max_length=64)          # e.g. 春节
    reference: str = Field(default="", max_length=300)    # the notice, e.g. 国办发明电〔2026〕N号
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


# --- Co-editing and AI assistance -----------------------------------------------------------


class VersionOrigin(StrEnum):
    """The origin of a section version, shown in the version history."""

    CREATE = "create"      # the text the draft was created with
    EDIT = "edit"          # typed and saved
    MERGE = "merge"        # a conflict resolved by merging
    RESTORE = "restore"    # an older version restored
    IMPORT = "import"      # imported from a Word file (round trip)
    AI = "ai"              # an AI suggestion accepted (AI-drafted)


class ConflictState(StrEnum):
    NONE = ""               # an ordinary version
    OPEN = "open"           # a save based on an older version, kept and awaiting a choice
    RESOLVED = "resolved"   # the editor chose merge, keep theirs or take the other


class DraftSectionVersion(SQLModel, table=True):
    """Every save of a section, with author and time; nothing here is updated but the
    conflict state. `number` is the section version the save produced; a conflicting save
    (conflict_state open/resolved) did not become current and has no number."""

    __tablename__ = "draft_section_version"
    __table_args__ = (sa.Index("ix_draft_section_version_section_number", "section_id",
                               "number"),)

    id: int | None = Field(default=None, primary_key=True)
    section_id: int = Field(foreign_key="draft_section.id", ondelete="CASCADE", index=True)
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE", index=True)
    number: int | None = None
    base_number: int | None = None      # the version the editor started from
    title: str = Field(default="", sa_type=sa.Text)
    body: str = Field(default="", sa_type=sa.Text)
    origin: str = Field(sa_type=_code(), default=VersionOrigin.EDIT)
    conflict_state: str = Field(sa_type=_code(), default=ConflictState.NONE)
    resolution: str = Field(sa_type=_code(), default="")   # merge / keep_mine / take_theirs
    ai_suggestion_id: int | None = Field(default=None, foreign_key="ai_suggestion.id",
                                         ondelete="SET NULL")
    note: str = Field(default="", sa_type=sa.Text)   # e.g. tracked insertions kept on import
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL",
                                  index=True)
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class SectionComment(SQLModel, table=True):
    """A comment on a section; a reply has parent_id; resolving applies to the thread."""

    __tablename__ = "section_comment"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE", index=True)
    section_id: int = Field(foreign_key="draft_section.id", ondelete="CASCADE", index=True)
    parent_id: int | None = Field(default=None, foreign_key="section_comment.id",
                                  ondelete="CASCADE")
    body: str = Field(sa_type=sa.Text)
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    resolved_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class AiAction(StrEnum):
    DRAFT = "draft"            # draft a section from the policy text
    QUESTIONS = "questions"    # anticipated questions with answers citing clauses
    POLISH = "polish"          # polish wording
    SUMMARISE = "summarise"    # summarise an opinion item


class SuggestionStatus(StrEnum):
    PENDING = "pending"        # shown to the expert, not yet decided
    ACCEPTED = "accepted"      # became a section version (origin ai)
    DISCARDED = "discarded"
    STOPPED = "stopped"        # the stream was stopped; the partial text may still be taken


class AiSuggestion(SQLModel, table=True):
    """A model's output for one action on one section, and the decision taken on it."""

    __tablename__ = "ai_suggestion"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int | None = Field(default=None, foreign_key="draft.id", ondelete="CASCADE",
                                 index=True)
    section_id: int | None = Field(default=None, foreign_key="draft_section.id",
                                   ondelete="CASCADE", index=True)
    opinion_id: int | None = Field(default=None, foreign_key="opinion_item.id",
                                   ondelete="CASCADE")
    action: str = Field(sa_type=_code())
    model: str = Field(default="", max_length=200)
    endpoint_internal: bool = False
    text: str = Field(default="", sa_type=sa.Text)
    citations_json: str = Field(default="", sa_type=sa.Text)   # citation check results
    status: str = Field(sa_type=_code(), default=SuggestionStatus.PENDING)
    base_number: int | None = None     # the section version the suggestion was made on
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    decided_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


# --- Press events in depth and online interviews -------------------------------------------


class EventDocument(StrEnum):
    """The documents an event links to, each a draft going through the review."""

    PLAN = "plan"                  # 发布会方案
    PRESS_RELEASE = "press_release"  # 新闻通稿
    ANSWER_BRIEF = "answer_brief"  # 答问口径
    PREVIEW = "preview"            # 访谈预告 / 发布会预告
    TRANSCRIPT = "transcript"      # 文字实录
    ACTIVITY_INFO = "activity_info"  # 重要政务活动信息


class AnswerTier(StrEnum):
    MUST = "must"          # 必答
    LIKELY = "likely"      # 可能问
    RESERVE = "reserve"    # 备答


class EventStatusChange(SQLModel, table=True):
    """One step in an event's life, including 延期 (the times before and after) and
    已取消 (the reason)."""

    __tablename__ = "event_status_change"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="press_event.id", ondelete="CASCADE", index=True)
    action: str = Field(sa_type=_code())      # event_flow.Action: approve, postpone, edit …
    from_status: str = Field(sa_type=_code())
    to_status: str = Field(sa_type=_code())
    reason: str = Field(default="", sa_type=sa.Text)
    old_starts_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    new_starts_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # 改期 and 延期 since revision 0012: the end times before and after (NULL in older rows).
    old_ends_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    new_ends_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # An edit (action "edit"): JSON with the changed EventInput fields, their values before
    # and after, and whether the edit raised the invite's SEQUENCE (event_flow.record_edit).
    # Older rows hold the names comma-separated (topic,venue), then "sequence".
    changed_fields: str = Field(default="", sa_type=sa.Text)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class MediaContact(SQLModel, table=True):
    """A reusable media contact. Phone and e-mail are personal data: only the office sees
    them (planner.services.media)."""

    __tablename__ = "media_contact"

    id: int | None = Field(default=None, primary_key=True)
    outlet: str = Field(max_length=200, index=True)     # 媒体
    reporter: str = Field(default="", max_length=100)   # 记者
    phone: str = Field(default="", max_length=64)
    email: str = Field(default="", max_length=254)
    note: str = Field(default="", sa_type=sa.Text)
    is_active: bool = True
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class MediaInviteStatus(StrEnum):
    INVITED = "invited"        # 已邀请
    CONFIRMED = "confirmed"    # 已确认
    DECLINED = "declined"      # 已婉拒


class EventMediaInvite(SQLModel, table=True):
    __tablename__ = "event_media_invite"

    event_id: int = Field(foreign_key="press_event.id", ondelete="CASCADE", primary_key=True)
    contact_id: int = Field(foreign_key="media_contact.id", ondelete="CASCADE",
                            primary_key=True, index=True)
    status: str = Field(sa_type=_code(), default=MediaInviteStatus.INVITED)
    invited_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    answered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    invited_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class EventAttachment(SQLModel, table=True):
    """A photo or file attached after the event; the bytes live in the database, so a
    backup carries them."""

    __tablename__ = "event_attachment"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="press_event.id", ondelete="CASCADE", index=True)
    file_name: str = Field(max_length=255)
    content_type: str = Field(default="", max_length=100)
    size_bytes: int = 0
    sha256: str = Field(default="", max_length=64)
    data: bytes = Field(sa_type=sa.LargeBinary)
    uploaded_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    uploaded_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class AnswerLibraryEntry(SQLModel, table=True):
    """答问口径库: one approved question and answer, reusable in later events."""

    __tablename__ = "answer_library_entry"
    __table_args__ = (sa.UniqueConstraint("draft_id", "section_key", "review_round",
                                          name="uq_answer_library_source"),)

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_type=sa.Text)
    answer: str = Field(sa_type=sa.Text)
    key_points: str = Field(default="", sa_type=sa.Text)
    sources: str = Field(default="", max_length=500)        # cited clauses, e.g. 二、（三）
    avoid_phrasing: str = Field(default="", sa_type=sa.Text)
    tier: str = Field(sa_type=_code(), default="")
    search_text: str = Field(default="", sa_type=sa.Text)   # question+answer+points, for search
    policy_id: int | None = Field(default=None, foreign_key="policy.id", ondelete="SET NULL",
                                  index=True)
    policy_hash: str = Field(default="", max_length=64)     # the cited policy's text then
    event_id: int | None = Field(default=None, foreign_key="press_event.id",
                                 ondelete="SET NULL", index=True)
    draft_id: int | None = Field(default=None, foreign_key="draft.id", ondelete="SET NULL")
    section_key: str = Field(default="", max_length=64)
    review_round: int = 0
    approved_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class InterviewPlan(SQLModel, table=True):
    """访谈计划: an annual (quarter None) or quarterly plan of online interviews."""

    __tablename__ = "interview_plan"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    year: int
    quarter: int | None = None
    note: str = Field(default="", sa_type=sa.Text)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class InterviewPlanEntry(SQLModel, table=True):
    __tablename__ = "interview_plan_entry"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="interview_plan.id", ondelete="CASCADE", index=True)
    topic: str = Field(max_length=300)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    target_month: int        # 1-12, in the plan's year
    guests: str = Field(default="", sa_type=sa.Text)
    note: str = Field(default="", sa_type=sa.Text)
    event_id: int | None = Field(default=None, foreign_key="press_event.id",
                                 ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class QuestionStatus(StrEnum):
    REGISTERED = "registered"   # 已登记
    ASSIGNED = "assigned"       # 已分配
    ANSWERED = "answered"       # 已答复
    DECLINED = "declined"       # 不予答复 (with a reason)


class InterviewQuestion(SQLModel, table=True):
    """A question submitted before an online interview (网友提问)."""

    __tablename__ = "interview_question"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="press_event.id", ondelete="CASCADE", index=True)
    asker: str = Field(default="", max_length=100)     # the asker's name or nickname
    text: str = Field(sa_type=sa.Text)
    submitted_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    assignee: str = Field(default="", max_length=100)  # the guest who answers
    status: str = Field(sa_type=_code(), default=QuestionStatus.REGISTERED, index=True)
    answer: str = Field(default="", sa_type=sa.Text)
    answer_mode: str = Field(sa_type=_code(), default="")   # live (现场) / written (书面)
    answered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    answered_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class ObligationStatus(StrEnum):
    OPEN = "open"                # 未办结
    DONE = "done"                # 已办结
    CANCELLED = "cancelled"      # 已撤销 (the item that raised it went away)


class Obligation(SQLModel, table=True):
    """A deadline on the supervision board (督办). The due time is not stored: it is
    computed on read from the rule and the trigger, so holiday overrides, rule settings
    and a newer holiday calendar change it (planner.deadlines)."""

    __tablename__ = "obligation"
    __table_args__ = (
        sa.UniqueConstraint("rule_key", "entity", "entity_id",
                            name="uq_obligation_rule_entity"),
        # The board reads open items by rule and trigger; the other columns make the index
        # cover its counts, so 50,000 open items are counted without touching the table.
        sa.Index("ix_obligation_board", "status", "rule_key", "trigger_at", "unit_id",
                 "owner_id", "fixed_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_key: str = Field(max_length=32)
    entity: str = Field(max_length=32)          # what raised it: press_event, policy ...
    entity_id: int | None = None
    title: str = Field(max_length=300)
    trigger_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    fixed_due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL",
                                index=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL",
                                 index=True)
    status: str = Field(sa_type=_code(), default=ObligationStatus.OPEN)
    completed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    completed_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class DeadlineSetting(SQLModel, table=True):
    """An administrator's value for a deadline rule's limit, or for the due-soon window."""

    __tablename__ = "deadline_setting"

    key: str = Field(max_length=32, primary_key=True)
    amount: int
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class AuditEntry(SQLModel, table=True):
    """登记备案: one row per write. The app never updates or deletes these rows.

    NOTE: the foreign keys' ondelete="SET NULL" never takes effect. The append-only
    triggers of migration 0005 reject the UPDATE it would make, so a user or unit named in
    the trail cannot be deleted (deactivate it instead), and the hashed ids stay intact.
    """

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True), index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL",
                                 index=True)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32, index=True)
    entity_id: int | None = None
    detail: str = Field(default="", sa_type=sa.Text)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL",
                                index=True)
    # Hash chain: row_hash = SHA-256 over prev_hash and this row's fields, so an edit made
    # directly in the database breaks the chain at that row.
    prev_hash: str = Field(default="", max_length=64)
    row_hash: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """The end of the audit chain: one row (id 1), updated with every appended entry.

    Appending first updates this row, which locks it (a row lock on PostgreSQL, the write
    lock on SQLite), so concurrent writers append one after the other and never fork the
    chain. It also records the last id, so removing the newest rows is detected.
    """

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default="", max_length=64)
    appended: int = 0    # rows appended through the chain, bumped to take the lock


# --- 政务舆情 (public-opinion register) and joint meetings ---------------------------------
# planner.services.opinions and planner.services.meetings hold the allowed transitions.


class OpinionSource(StrEnum):
    WEBSITE = "website"          # 网站
    WEIBO = "weibo"              # 微博
    WECHAT = "wechat"            # 微信
    HOTLINE = "hotline_12328"    # 12328 交通运输服务监督电话
    MEDIA = "media"              # 新闻媒体
    OTHER = "other"              # 其他 (the platform's name goes to source_detail)


class OpinionSeverity(StrEnum):
    """舆情等级, lowest first; the response time limits depend on it."""

    ORDINARY = "ordinary"    # 一般
    SERIOUS = "serious"      # 较大
    MAJOR = "major"          # 重大
    CRITICAL = "critical"    # 特别重大


class OpinionStatus(StrEnum):
    NEW = "new"                  # 新登记
    ASSESSING = "assessing"      # 研判中
    FORWARDED = "forwarded"      # 已转办
    RESPONDING = "responding"    # 回应中
    RESPONDED = "responded"      # 已回应
    ARCHIVED = "archived"        # 已归档


class OpinionNature(StrEnum):
    """研判: what kind of concern the item is."""

    CONCERN = "concern"          # 群众诉求
    MISREADING = "misreading"    # 误读误解
    RUMOUR = "rumour"            # 谣言、不实信息
    CRITICISM = "criticism"      # 批评质疑
    OTHER = "other"              # 其他


class OpinionTrend(StrEnum):
    RISING = "rising"      # 上升
    STEADY = "steady"      # 平稳
    FALLING = "falling"    # 回落


class OpinionRisk(StrEnum):
    LOW = "low"          # 低
    MEDIUM = "medium"    # 中
    HIGH = "high"        # 高


class ResponseKind(StrEnum):
    """The ways the department responds to an item."""

    ONLINE_MESSAGE = "online_message"                  # 网上发布消息
    EXPERT_INTERPRETATION = "expert_interpretation"    # 组织专家解读
    PRESS_CONFERENCE = "press_conference"              # 召开新闻发布会
    MEDIA_INTERVIEW = "media_interview"                # 接受媒体专访


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"    # 已安排
    HELD = "held"              # 已召开 (minutes recorded)
    CANCELLED = "cancelled"    # 已取消


class ActionItemStatus(StrEnum):
    OPEN = "open"        # 办理中
    CLOSED = "closed"    # 已办结


class OpinionItem(SQLModel, table=True):
    """One 政务舆情 item: where it was seen, what it says, how serious, how it is handled."""

    __tablename__ = "opinion_item"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(sa_type=_code(), index=True)
    source_detail: str = Field(default="", max_length=64)    # the platform, e.g. 抖音
    link: str = Field(default="", max_length=1000)
    # SHA-256 of the normalised link, "" without a link: how duplicates are found.
    link_key: str = Field(default="", max_length=64, index=True)
    first_seen_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    summary: str = Field(sa_type=sa.Text)
    category: str = Field(default="", max_length=64, index=True)
    severity: str = Field(sa_type=_code(), index=True)
    status: str = Field(sa_type=_code(), default=OpinionStatus.NEW, index=True)
    policy_id: int | None = Field(default=None, foreign_key="policy.id", ondelete="SET NULL")
    event_id: int | None = Field(default=None, foreign_key="press_event.id",
                                 ondelete="SET NULL")
    nature: str = Field(sa_type=_code(), default="")      # 研判: OpinionNature
    trend: str = Field(sa_type=_code(), default="")       # 研判: OpinionTrend
    risk: str = Field(sa_type=_code(), default="")        # 研判: OpinionRisk
    assessment: str = Field(default="", sa_type=sa.Text)
    assessed_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    assessed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL",
                                     index=True)
    forwarded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    responded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    status_changed_at: datetime = Field(default_factory=now_utc,
                                        sa_type=sa.DateTime(timezone=True))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class OpinionUnit(SQLModel, table=True):
    """A unit an item was forwarded to (转请相关单位关注、回应); one of them leads."""

    __tablename__ = "opinion_unit"

    opinion_id: int = Field(foreign_key="opinion_item.id", ondelete="CASCADE",
                            primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", primary_key=True,
                         index=True)
    is_lead: bool = False


class OpinionResponse(SQLModel, table=True):
    """One response action, linked to the draft or event that carried it."""

    __tablename__ = "opinion_response"

    id: int | None = Field(default=None, primary_key=True)
    opinion_id: int = Field(foreign_key="opinion_item.id", ondelete="CASCADE", index=True)
    kind: str = Field(sa_type=_code())
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    note: str = Field(default="", sa_type=sa.Text)
    link: str = Field(default="", max_length=1000)     # where it was published
    draft_id: int | None = Field(default=None, foreign_key="draft.id", ondelete="SET NULL")
    event_id: int | None = Field(default=None, foreign_key="press_event.id",
                                 ondelete="SET NULL")
    responded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class Meeting(SQLModel, table=True):
    """重大政务舆情会商联席会议: one joint consultation meeting."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=128, unique=True)   # iCalendar UID, stable for the meeting's life
    sequence: int = 0                               # iCalendar SEQUENCE, raised on each change
    title: str = Field(max_length=300)
    agenda: str = Field(default="", sa_type=sa.Text)
    starts_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    ends_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    venue: str = Field(default="", max_length=200)
    online_room: str = Field(default="", max_length=500)
    status: str = Field(sa_type=_code(), default=MeetingStatus.SCHEDULED, index=True)
    cancel_reason: str = Field(default="", sa_type=sa.Text)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    minutes_draft_id: int | None = Field(default=None, foreign_key="draft.id",
                                         ondelete="SET NULL")
    convened_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class MeetingUnit(SQLModel, table=True):
    __tablename__ = "meeting_unit"

    meeting_id: int = Field(foreign_key="meeting.id", ondelete="CASCADE", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", ondelete="CASCADE", primary_key=True,
                         index=True)


class MeetingAttendee(SQLModel, table=True):
    """A person invited: a user of the app, or a guest known only by name and e-mail."""

    __tablename__ = "meeting_attendee"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", ondelete="CASCADE", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL",
                                index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    name: str = Field(max_length=100, index=True)
    email: str | None = Field(default=None, max_length=254)


class MeetingOpinion(SQLModel, table=True):
    __tablename__ = "meeting_opinion"

    meeting_id: int = Field(foreign_key="meeting.id", ondelete="CASCADE", primary_key=True)
    opinion_id: int = Field(foreign_key="opinion_item.id", ondelete="CASCADE",
                            primary_key=True, index=True)


class MeetingAction(SQLModel, table=True):
    """An action item from the minutes; open ones show on the supervision board."""

    __tablename__ = "meeting_action"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", ondelete="CASCADE", index=True)
    task: str = Field(sa_type=sa.Text)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL",
                                index=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    owner_name: str = Field(default="", max_length=64)
    due_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    status: str = Field(sa_type=_code(), default=ActionItemStatus.OPEN, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    closed_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    close_note: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True))


class BackupRecord(SQLModel, table=True):
    """A backup taken with `python -m planner backup`, shown on the administrator page.

    Written into the database that was backed up, after the backup file is complete, so
    a backup never contains its own record.
    """

    __tablename__ = "backup_record"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now_utc, sa_type=sa.DateTime(timezone=True), index=True)
    path: str = Field(max_length=1000)               # the file as the operator named it
    host: str = Field(default="", max_length=255)    # the machine that wrote it
    size_bytes: int = Field(default=0, sa_type=sa.BigInteger)
    schema_revision: str = Field(default="", max_length=32)
    row_total: int = Field(default=0, sa_type=sa.BigInteger)
