"""Media contacts and invitations: who may write, who sees phone and e-mail, invitations
through their answers, and the CSV import; the tables run on SQLite and PostgreSQL."""

from datetime import datetime

import pytest
from sqlmodel import select

from planner.config import get_settings
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import AuditEntry, EventStatus, MediaInviteStatus, PressEvent, Role
from planner.services import events, media
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.event_setup import book, make_people

PHONE, EMAIL = "13812345678", "zhangsan@scdaily.example.cn"
ANSWERED = datetime(2026, 12, 2, 15, 30, tzinfo=OFFICE_TZ)


@pytest.fixture
def people(session):
    return make_people(session)


def contact_input(**overrides) -> media.ContactInput:
    values = dict(outlet="四川日报", reporter="张三", phone=PHONE, email=EMAIL,
                  note="跑交通口，周三值班")
    values.update(overrides)
    return media.ContactInput(**values)


def add_contact(session, people, **overrides) -> media.ContactView:
    contact = media.create_contact(session, actor=people.clerk, data=contact_input(**overrides))
    session.commit()
    return contact


# --- who may do what, and who sees what (SQLite and PostgreSQL) --------------------------

ONE_ROLE = list(Role)
KEEPERS = {Role.GENERAL_OFFICE, Role.SPOKESPERSON}


@pytest.fixture
def world(any_session):
    """A contact, a booked event with that contact invited, and a second free contact."""
    session = any_session
    people = make_people(session)
    invited = media.create_contact(session, actor=people.clerk, data=contact_input())
    free = media.create_contact(session, actor=people.clerk,
                                data=contact_input(outlet="四川电视台", reporter="李四"))
    event = book(session, people)
    media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[invited.id])
    session.commit()
    return session, event.id, invited.id, free.id


WRITES = {
    "create": lambda s, a, e, c, f: media.create_contact(
        s, actor=a, data=contact_input(outlet="川观新闻", reporter="王五")),
    "update": lambda s, a, e, c, f: media.update_contact(
        s, actor=a, contact_id=c, data=contact_input(note="改过的备注")),
    "import": lambda s, a, e, c, f: media.import_contacts(
        s, actor=a, file_name="通讯录.csv", data="媒体,记者\n封面新闻,赵六\n".encode()),
    "invite": lambda s, a, e, c, f: media.invite(s, actor=a, event_id=e, contact_ids=[f]),
    "confirm": lambda s, a, e, c, f: media.confirm(s, actor=a, event_id=e, contact_id=c),
    "decline": lambda s, a, e, c, f: media.decline(s, actor=a, event_id=e, contact_id=c),
    "withdraw": lambda s, a, e, c, f: media.withdraw(s, actor=a, event_id=e, contact_id=c),
}


@pytest.mark.parametrize("role", ONE_ROLE)
@pytest.mark.parametrize("write", list(WRITES))
def test_write_permission(world, role, write):
    session, event_id, contact_id, free_id = world
    unit = factories.make_unit(session, "省交通宣传中心")
    actor = factories.make_user(session, f"only_{role}", unit=unit, roles={role})
    audited = len(session.exec(select(AuditEntry.id)).all())

    if role in KEEPERS:
        WRITES[write](session, actor, event_id, contact_id, free_id)
        session.commit()
        assert len(session.exec(select(AuditEntry.id)).all()) == audited + 1
    else:
        with pytest.raises(PermissionDenied) as refused:
            WRITES[write](session, actor, event_id, contact_id, free_id)
        session.rollback()
        assert "新闻发言人" in refused.value.message
        assert "厅办公室" in refused.value.message
        assert len(session.exec(select(AuditEntry.id)).all()) == audited


@pytest.mark.parametrize("role", ONE_ROLE)
def test_personal_data_masked_for_others(world, role):
    session, event_id, contact_id, _free = world
    unit = factories.make_unit(session, "省交通宣传中心")
    actor = factories.make_user(session, f"reader_{role}", unit=unit, roles={role})

    listed = {c.id: c for c in media.list_contacts(session, actor=actor)}[contact_id]
    [invited] = media.invites_of(session, actor=actor, event_id=event_id)
    single = media.get_contact(session, actor=actor, contact_id=contact_id)

    for seen in (listed, invited.contact, single):
        if role in KEEPERS:
            assert (seen.phone, seen.email, seen.masked) == (PHONE, EMAIL, False)
            assert seen.note == "跑交通口，周三值班"
        else:
            assert (seen.phone, seen.email, seen.masked) == ("138****5678",
                                                             "z***@scdaily.example.cn", True)
            assert seen.note == ""
        assert (seen.outlet, seen.reporter) == ("四川日报", "张三")


def test_deactivated_user_sees_masked(session, people):
    contact = add_contact(session, people)
    people.clerk.is_active = False
    session.add(people.clerk)
    session.commit()

    seen = media.get_contact(session, actor=people.clerk, contact_id=contact.id)

    assert seen.masked


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"), ("028-86123456", "028****3456"),
    ("+86 138 1234 5678", "+86****5678"), ("1234567", "*****67"), ("", ""),
])
def test_mask_phone(phone, masked):
    assert media.mask_phone(phone) == masked


@pytest.mark.parametrize(("email", "masked"), [
    ("zhangsan@scdaily.example.cn", "z***@scdaily.example.cn"), ("a@b.cn", "a***@b.cn"),
    ("", ""),
])
def test_mask_email(email, masked):
    assert media.mask_email(email) == masked


# --- contacts -----------------------------------------------------------------------------

def test_audit_keeps_personal_data_out(session, people):
    contact = add_contact(session, people)
    media.update_contact(session, actor=people.clerk, contact_id=contact.id,
                         data=contact_input(phone="13900001111"))
    session.commit()

    details = " ".join(session.exec(select(AuditEntry.detail)
                                    .where(AuditEntry.entity == "media_contact")).all())
    assert PHONE not in details
    assert "13900001111" not in details
    assert EMAIL not in details
    assert '"changed": ["phone"]' in details


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("outlet", " ", "媒体名称"), ("phone", "请打电话", "电话"), ("phone", "12 34", "电话"),
    ("email", "not-an-address", "电子邮箱"), ("reporter", "张" * 101, "记者姓名"),
])
def test_contact_input_checked(session, people, field, value, fragment):
    with pytest.raises(InvalidInput) as refused:
        media.create_contact(session, actor=people.clerk, data=contact_input(**{field: value}))

    assert fragment in refused.value.message


def test_duplicate_contact_refused(session, people):
    add_contact(session, people)

    with pytest.raises(Conflict) as refused:
        media.create_contact(session, actor=people.clerk, data=contact_input(phone=""))

    assert "四川日报" in refused.value.message


def test_inactive_contact_hidden_and_not_invited(session, people):
    contact = add_contact(session, people)
    media.update_contact(session, actor=people.clerk, contact_id=contact.id,
                         data=contact_input(is_active=False))
    event = book(session, people)

    assert media.list_contacts(session, actor=people.clerk) == []
    assert len(media.list_contacts(session, actor=people.clerk, include_inactive=True)) == 1
    with pytest.raises(InvalidInput) as refused:
        media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])
    assert "已停用" in refused.value.message


def test_list_contacts_text_filter(session, people):
    add_contact(session, people)
    add_contact(session, people, outlet="四川电视台", reporter="李四")

    found = media.list_contacts(session, actor=people.clerk, text="电视")

    assert [c.outlet for c in found] == ["四川电视台"]


# --- invitations ------------------------------------------------------------------------

def test_invite_confirm_records_time_and_inviter(session, people):
    contact = add_contact(session, people)
    event = book(session, people)

    media.invite(session, actor=people.speaker, event_id=event.id, contact_ids=[contact.id])
    media.confirm(session, actor=people.clerk, event_id=event.id, contact_id=contact.id,
                  at=ANSWERED)
    session.commit()

    [seen] = media.invites_of(session, actor=people.clerk, event_id=event.id)
    assert seen.status == MediaInviteStatus.CONFIRMED
    assert events.as_utc(seen.answered_at) == events.as_utc(ANSWERED)
    assert seen.invited_by == "陈静"
    assert media.invite_counts(session, event.id) == {"invited": 0, "confirmed": 1,
                                                      "declined": 0}
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.action.like("media.%"))
                           .order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["media.invite", "media.confirm"]


def test_declined_contact_invited_again(session, people):
    contact = add_contact(session, people)
    event = book(session, people)
    media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])
    media.decline(session, actor=people.clerk, event_id=event.id, contact_id=contact.id)

    again = media.invite(session, actor=people.clerk, event_id=event.id,
                         contact_ids=[contact.id])

    [seen] = media.invites_of(session, actor=people.clerk, event_id=event.id)
    assert again == [contact.id]
    assert (seen.status, seen.answered_at) == (MediaInviteStatus.INVITED, None)


def test_invite_twice_refused(session, people):
    contact = add_contact(session, people)
    event = book(session, people)
    media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])

    with pytest.raises(InvalidInput) as refused:
        media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])

    assert "都已邀请过" in refused.value.message


def test_same_answer_twice_refused(session, people):
    contact = add_contact(session, people)
    event = book(session, people)
    media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])
    media.confirm(session, actor=people.clerk, event_id=event.id, contact_id=contact.id)

    with pytest.raises(InvalidInput) as refused:
        media.confirm(session, actor=people.clerk, event_id=event.id, contact_id=contact.id)

    assert "已确认" in refused.value.message


@pytest.mark.parametrize("status", [EventStatus.HELD, EventStatus.ARCHIVED,
                                    EventStatus.CANCELLED])
def test_invite_after_event_refused(session, people, status):
    contact = add_contact(session, people)
    event = book(session, people)
    row = session.get(PressEvent, event.id)
    row.status = status
    session.add(row)
    session.commit()

    with pytest.raises(Conflict) as refused:
        media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])

    assert "不能再邀请媒体" in refused.value.message


def test_answer_without_invite_not_found(session, people):
    contact = add_contact(session, people)
    event = book(session, people)

    with pytest.raises(NotFound):
        media.confirm(session, actor=people.clerk, event_id=event.id, contact_id=contact.id)


def test_withdraw_removes_invite(session, people):
    contact = add_contact(session, people)
    event = book(session, people)
    media.invite(session, actor=people.clerk, event_id=event.id, contact_ids=[contact.id])

    media.withdraw(session, actor=people.clerk, event_id=event.id, contact_id=contact.id)
    session.commit()

    assert media.invites_of(session, actor=people.clerk, event_id=event.id) == []


# --- import -------------------------------------------------------------------------------

def test_import_csv_utf8_with_bom(session, people):
    add_contact(session, people)
    text = ("媒体,记者,电话,邮箱,备注\n"
            "四川日报,张三,13812345678,,重复\n"
            "四川电视台,李四,028-86123456,lisi@sctv.example.cn,\n"
            ",无媒体,,,\n"
            "封面新闻,王五,电话打不通,,\n"
            "川观新闻,赵六,,zhaoliu@example.cn,夜班\n")

    result = media.import_contacts(session, actor=people.clerk, file_name="通讯录.csv",
                                   data=b"\xef\xbb\xbf" + text.encode("utf-8"))
    session.commit()

    assert result.created == 2
    assert [line.split("：")[0] for line in result.skipped] == ["第 2 行", "第 4 行", "第 5 行"]
    assert "已有“四川日报”的记者“张三”" in result.skipped[0]
    outlets = [c.outlet for c in media.list_contacts(session, actor=people.clerk)]
    assert outlets == ["四川日报", "四川电视台", "川观新闻"]


def test_import_gbk_csv(session, people):
    data = "媒体,记者,手机\n人民日报四川分社,钱七,13600001111\n".encode("gbk")

    result = media.import_contacts(session, actor=people.clerk, file_name="名单.csv", data=data)
    session.commit()

    [contact] = media.list_contacts(session, actor=people.clerk)
    assert result.created == 1
    assert (contact.outlet, contact.reporter, contact.phone) == ("人民日报四川分社", "钱七",
                                                                 "13600001111")


def test_import_without_outlet_column_refused(session, people):
    with pytest.raises(InvalidInput) as refused:
        media.import_contacts(session, actor=people.clerk, file_name="名单.csv",
                              data="姓名,电话\n钱七,13600001111\n".encode())

    assert "“媒体”列" in refused.value.message


def test_import_over_size_limit(session, people, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    rows = "".join(f"报社{n},记者{n},1380000{n:04d},,\n" for n in range(40_000))
    data = ("媒体,记者,电话,邮箱,备注\n" + rows).encode()      # about 1.3 MB

    try:
        with pytest.raises(InvalidInput) as refused:
            media.import_contacts(session, actor=people.clerk, file_name="“两会”通讯录.csv",
                                  data=data)
    finally:
        get_settings.cache_clear()

    size = len(data) / 1024 / 1024
    assert f"文件“‘两会’通讯录.csv”有 {size:.1f} MB，超过上传上限 1 MB" in refused.value.message
    assert media.list_contacts(session, actor=people.clerk) == []
