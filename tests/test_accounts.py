"""Accounts: password hashing, sign-in and its throttling, the idle timeout, OIDC mapping,
account administration and the create-admin command, on a real SQLite file."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from alembic import command
from planner.db import alembic_config, make_engine, migrate
from planner.errors import InvalidInput, NotFound, PermissionDenied
from planner.models import AuditEntry, Role, SignInThrottle, User
from planner.services import accounts, users
from tests import factories
from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)
ADMIN_PASSWORD = "Admin-密码-2026"


@pytest.fixture
def unit(session):
    return factories.make_unit(session, "政策法规处")


@pytest.fixture
def zhang(session, unit):
    return factories.make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER},
                               display_name="张明", email="ZhangMing@example.gov.cn")


@pytest.fixture
def admin(session, unit):
    return factories.make_user(session, "admin", unit=unit, roles={Role.ADMIN},
                               display_name="管理员")


def audit_actions(session) -> list[str]:
    return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def fail_sign_in(session, username, times, now, password="wrong-password"):
    for _ in range(times):
        with pytest.raises(InvalidInput):
            accounts.sign_in(session, username=username, password=password, now=now)


# --- hashing and the password policy ----------------------------------------------------

def test_hash_password_is_argon2id_and_verifies():
    stored = accounts.hash_password("正确的密码-123")

    assert stored.startswith("$argon2id$")
    assert "正确的密码-123" not in stored
    assert accounts.verify_password(stored, "正确的密码-123")


def test_hash_password_salted_each_time():
    assert accounts.hash_password("Same-password-1") != accounts.hash_password("Same-password-1")


@pytest.mark.parametrize(("stored", "password"), [
    (accounts.hash_password("Right-password-1"), "Wrong-password-1"),
    (None, "Any-password-1"),
    ("", "Any-password-1"),
    ("not-a-hash", "Any-password-1"),
], ids=["wrong", "no-hash", "empty-hash", "broken-hash"])
def test_verify_password_rejects(stored, password):
    assert accounts.verify_password(stored, password) is False


@pytest.mark.parametrize(("username", "password", "message"), [
    ("zhangming", "short-pw", "只有 8 个字符，至少需要 10 个字符"),
    ("zhangming1234", "ZhangMing1234", "不能与用户名相同"),
    ("zhangming", "x" * 257, "超过上限 256 个字符"),
])
def test_check_password_policy_rejects(username, password, message):
    with pytest.raises(InvalidInput) as error:
        accounts.check_password_policy(username, password)

    assert message in error.value.message


def test_check_password_policy_accepts_ten_characters():
    accounts.check_password_policy("zhangming", "政策解读-2026年")


# --- sign-in ---------------------------------------------------------------------------

def test_sign_in_success_records_time_and_audit(session, zhang):
    user = accounts.sign_in(session, username="zhangming", password=TEST_PASSWORD, now=T0)
    session.commit()

    assert user.id == zhang.id
    assert users.get_user(session, zhang.id).last_sign_in_at.replace(tzinfo=timezone.utc) == T0
    assert audit_actions(session) == ["auth.sign_in"]


def test_sign_in_username_ignores_case_and_spaces(session, zhang):
    user = accounts.sign_in(session, username="  ZhangMing ", password=TEST_PASSWORD, now=T0)

    assert user.id == zhang.id


def test_sign_in_wrong_password_counted_and_audited(session, zhang):
    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="zhangming", password="wrong-password", now=T0)
    session.rollback()   # what the page's transaction does after the error

    assert "用户名或密码不正确" in error.value.message
    assert session.get(SignInThrottle, "zhangming").failures == 1
    assert users.get_user(session, zhang.id).failed_sign_ins == 1
    assert audit_actions(session) == ["auth.sign_in_failed"]


def test_sign_in_unknown_user_same_message_and_counted(session, zhang):
    with pytest.raises(InvalidInput) as unknown:
        accounts.sign_in(session, username="nobody", password="wrong-password", now=T0)
    with pytest.raises(InvalidInput) as wrong:
        accounts.sign_in(session, username="zhangming", password="wrong-password", now=T0)

    assert unknown.value.message == wrong.value.message
    assert session.get(SignInThrottle, "nobody").failures == 1


@pytest.mark.parametrize(("username", "password"), [("", TEST_PASSWORD), ("zhangming", "")])
def test_sign_in_empty_field_rejected_without_counting(session, zhang, username, password):
    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username=username, password=password, now=T0)

    assert "请输入用户名和密码" in error.value.message
    assert session.get(SignInThrottle, "zhangming") is None


def test_sign_in_fifth_failure_locks_and_says_how_long(session, zhang):
    fail_sign_in(session, "zhangming", 4, T0)

    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="zhangming", password="wrong-password", now=T0)

    assert "30 秒后重试" in error.value.message
    assert users.get_user(session, zhang.id).locked_until.replace(
        tzinfo=timezone.utc) == T0 + timedelta(seconds=30)


def test_sign_in_locked_refuses_right_password_with_wait(session, zhang):
    fail_sign_in(session, "zhangming", 5, T0)

    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="zhangming", password=TEST_PASSWORD,
                         now=T0 + timedelta(seconds=10))

    assert "暂时锁定" in error.value.message
    assert "20 秒后重试" in error.value.message


def test_sign_in_after_lock_expires_succeeds_and_clears(session, zhang):
    fail_sign_in(session, "zhangming", 5, T0)

    user = accounts.sign_in(session, username="zhangming", password=TEST_PASSWORD,
                            now=T0 + timedelta(seconds=31))
    session.commit()

    assert user.failed_sign_ins == 0
    assert user.locked_until is None
    assert session.get(SignInThrottle, "zhangming") is None


def test_sign_in_lock_grows_after_more_failures(session, zhang):
    fail_sign_in(session, "zhangming", 5, T0)
    fail_sign_in(session, "zhangming", 1, T0 + timedelta(seconds=31))

    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="zhangming", password=TEST_PASSWORD,
                         now=T0 + timedelta(seconds=32))

    assert "59 秒后重试" in error.value.message


def test_sign_in_unknown_user_locked_too(session):
    fail_sign_in(session, "ghost", 5, T0)

    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="ghost", password="any-password", now=T0)

    assert "暂时锁定" in error.value.message
    assert "30 秒" in error.value.message


def test_sign_in_inactive_user_rejected(session, unit):
    factories.make_user(session, "former", unit=unit, roles={Role.DRAFTER}, is_active=False)

    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="former", password=TEST_PASSWORD, now=T0)

    assert "“former”已停用" in error.value.message
    assert audit_actions(session) == ["auth.sign_in_failed"]


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0), (4, 0), (5, 30), (6, 60), (7, 120), (11, 1920), (12, 3600), (40, 3600)])
def test_lock_seconds_doubles_to_one_hour(failures, seconds):
    assert accounts.lock_seconds(failures) == seconds


@pytest.mark.parametrize(("seconds", "text"), [
    (20, "20 秒"), (60, "1 分钟"), (150, "2 分 30 秒"), (3600, "60 分钟")])
def test_format_wait(seconds, text):
    assert accounts.format_wait(seconds) == text


# --- idle timeout ----------------------------------------------------------------------

@pytest.mark.parametrize(("last", "now", "minutes", "expired"), [
    (None, T0, 30, False),
    (T0, T0 + timedelta(minutes=29, seconds=59), 30, False),
    (T0, T0 + timedelta(minutes=30), 30, True),
    (T0, T0 + timedelta(hours=5), 30, True),
    (T0, T0 + timedelta(minutes=5), 5, True),
    (T0.replace(tzinfo=None), T0 + timedelta(minutes=10), 30, False),
], ids=["never-active", "just-under", "exactly", "long-ago", "short-setting", "naive-stored"])
def test_session_expired(last, now, minutes, expired):
    assert accounts.session_expired(last, now, minutes) is expired


def test_sign_out_audited(session, zhang):
    accounts.sign_out(session, actor=zhang, reason="idle")
    session.commit()

    entry = session.exec(select(AuditEntry)).one()
    assert entry.action == "auth.sign_out"
    assert entry.actor_id == zhang.id
    assert "idle" in entry.detail


# --- OIDC mapping ----------------------------------------------------------------------

def test_user_for_oidc_email_matches_case_insensitively(session, zhang):
    assert accounts.user_for_oidc_email(session, "zhangming@EXAMPLE.gov.cn").id == zhang.id


def test_user_for_oidc_email_unknown_creates_no_account(session, zhang):
    with pytest.raises(InvalidInput) as error:
        accounts.user_for_oidc_email(session, "stranger@example.com")

    assert "stranger@example.com" in error.value.message
    assert "不会自动开户" in error.value.message
    assert len(users.list_users(session)) == 1


@pytest.mark.parametrize("email", ["", None])
def test_user_for_oidc_email_missing_rejected(session, email):
    with pytest.raises(InvalidInput) as error:
        accounts.user_for_oidc_email(session, email)

    assert "没有提供电子邮箱" in error.value.message


def test_user_for_oidc_email_inactive_rejected(session, unit):
    factories.make_user(session, "former", unit=unit, roles=set(), is_active=False,
                        email="former@example.gov.cn")

    with pytest.raises(InvalidInput) as error:
        accounts.user_for_oidc_email(session, "former@example.gov.cn")

    assert "已停用" in error.value.message


def test_user_for_oidc_email_shared_address_rejected(session, unit):
    for name in ("one", "two"):
        factories.make_user(session, name, unit=unit, roles=set(), email="office@example.gov.cn")

    with pytest.raises(InvalidInput) as error:
        accounts.user_for_oidc_email(session, "office@example.gov.cn")

    assert "对应了 2 个账号" in error.value.message


def test_sign_in_oidc_audits_method(session, zhang):
    accounts.sign_in_oidc(session, email="zhangming@example.gov.cn", now=T0)
    session.commit()

    entry = session.exec(select(AuditEntry)).one()
    assert entry.action == "auth.sign_in"
    assert "oidc" in entry.detail


def test_sign_in_oidc_unknown_email_audited_as_failure(session):
    with pytest.raises(InvalidInput):
        accounts.sign_in_oidc(session, email="stranger@example.com", now=T0)
    session.rollback()

    assert audit_actions(session) == ["auth.sign_in_failed"]


# --- administration --------------------------------------------------------------------

def test_create_user_by_admin_can_sign_in(session, admin, unit):
    user = accounts.create_user(session, actor=admin, username="LiHua", display_name="李华",
                                password="Lihua-密码-2026", unit_id=unit.id,
                                email="lihua@example.gov.cn")
    session.commit()

    assert user.username == "lihua"
    assert user.password_hash.startswith("$argon2id$")
    assert accounts.sign_in(session, username="lihua", password="Lihua-密码-2026").id == user.id


def test_create_user_by_drafter_denied(session, zhang, unit):
    with pytest.raises(PermissionDenied) as error:
        accounts.create_user(session, actor=zhang, username="lihua", display_name="李华",
                             password="Lihua-密码-2026", unit_id=unit.id)

    assert "您没有权限创建用户账号" in error.value.message
    assert "管理员" in error.value.message


@pytest.mark.parametrize(("username", "email", "message"), [
    ("zhangming", None, "用户名“zhangming”已被使用"),
    ("张明", None, "用户名“张明”无效"),
    ("x", None, "用户名“x”无效"),
    ("lihua", "zhangming@example.gov.cn", "已被其他账号使用"),
    ("lihua", "not-an-address", "格式无效"),
])
def test_create_user_invalid_rejected(session, admin, zhang, unit, username, email, message):
    with pytest.raises(InvalidInput) as error:
        accounts.create_user(session, actor=admin, username=username, display_name="李华",
                             password="Lihua-密码-2026", unit_id=unit.id, email=email)

    assert message in error.value.message


def test_create_user_unknown_unit_not_found(session, admin):
    with pytest.raises(NotFound):
        accounts.create_user(session, actor=admin, username="lihua", display_name="李华",
                             password="Lihua-密码-2026", unit_id=999)


def test_grant_role_twice_rejected(session, admin, zhang, unit):
    with pytest.raises(InvalidInput) as error:
        accounts.grant_role(session, actor=admin, user_id=zhang.id, unit_id=unit.id,
                            role=Role.DRAFTER)

    assert "张明已在政策法规处担任承办人员" in error.value.message


def test_grant_and_revoke_role_change_held_roles(session, admin, zhang, unit):
    office = factories.make_unit(session, "厅办公室")
    accounts.grant_role(session, actor=admin, user_id=zhang.id, unit_id=office.id,
                        role=Role.GENERAL_OFFICE)
    accounts.revoke_role(session, actor=admin, user_id=zhang.id, unit_id=unit.id,
                         role=Role.DRAFTER)
    session.commit()

    roles = [(h.unit_name, h.role) for h in users.roles_held(session, zhang)]
    assert roles == [("厅办公室", Role.GENERAL_OFFICE)]
    assert audit_actions(session) == ["role.grant", "role.revoke"]


def test_revoke_last_admin_rejected(session, admin, unit):
    with pytest.raises(InvalidInput) as error:
        accounts.revoke_role(session, actor=admin, user_id=admin.id, unit_id=unit.id,
                             role=Role.ADMIN)

    assert "唯一可用的管理员" in error.value.message


def test_deactivate_self_rejected(session, admin):
    with pytest.raises(InvalidInput) as error:
        accounts.deactivate_user(session, actor=admin, user_id=admin.id)

    assert "不能停用自己的账号" in error.value.message


def test_deactivate_other_admin_leaves_one(session, admin, unit):
    second = factories.make_user(session, "second-admin", unit=unit, roles={Role.ADMIN})

    accounts.deactivate_user(session, actor=admin, user_id=second.id)
    session.commit()

    assert users.active_admin_ids(session) == {admin.id}


def test_deactivated_user_cannot_sign_in(session, admin, zhang):
    accounts.deactivate_user(session, actor=admin, user_id=zhang.id)
    session.commit()

    with pytest.raises(InvalidInput) as error:
        accounts.sign_in(session, username="zhangming", password=TEST_PASSWORD)

    assert "已停用" in error.value.message


def test_set_password_replaces_old_and_lifts_lock(session, admin, zhang):
    fail_sign_in(session, "zhangming", 5, T0)

    accounts.set_password(session, actor=admin, user_id=zhang.id, password="Brand-new-密码")
    session.commit()

    assert accounts.sign_in(session, username="zhangming", password="Brand-new-密码",
                            now=T0 + timedelta(seconds=1)).id == zhang.id
    with pytest.raises(InvalidInput):
        accounts.sign_in(session, username="zhangming", password=TEST_PASSWORD)


def test_set_password_policy_applies(session, admin, zhang):
    with pytest.raises(InvalidInput) as error:
        accounts.set_password(session, actor=admin, user_id=zhang.id, password="ZhangMing")

    assert "至少需要 10 个字符" in error.value.message


def test_create_unit_duplicate_rejected(session, admin, unit):
    with pytest.raises(InvalidInput) as error:
        accounts.create_unit(session, actor=admin, name=" 政策法规处 ", kind="division")

    assert "单位“政策法规处”已存在" in error.value.message


# --- the first administrator -----------------------------------------------------------

def test_create_first_admin_grants_admin_role(session):
    user = accounts.create_first_admin(session, username="root", display_name="王管理",
                                       password=ADMIN_PASSWORD)
    session.commit()

    roles = [(h.unit_name, h.role) for h in users.roles_held(session, user)]
    assert roles == [("厅办公室", Role.ADMIN)]
    assert users.active_admin_count(session) == 1


def test_create_first_admin_refused_when_admin_exists(session, admin):
    with pytest.raises(InvalidInput) as error:
        accounts.create_first_admin(session, username="second", display_name="第二位",
                                    password=ADMIN_PASSWORD)

    assert "已有可用的管理员账号" in error.value.message


def test_create_first_admin_takes_name_of_builtin_placeholder(session, unit):
    placeholder = User(username="admin", display_name="系统管理员", unit_id=unit.id,
                       is_builtin=True)
    session.add(placeholder)
    session.commit()

    user = accounts.create_first_admin(session, username="admin", display_name="王管理",
                                       password=ADMIN_PASSWORD)
    session.commit()

    assert user.id != placeholder.id
    assert users.get_user(session, placeholder.id).username == f"builtin-{placeholder.id}"
    assert users.get_user(session, placeholder.id).is_active is False


# --- the command line ------------------------------------------------------------------

@pytest.fixture
def cli_db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run_cli(db_url: str, *args: str, stdin: str = "", env: dict | None = None):
    """`python -m planner ...` in a subprocess on `db_url`, with no settings file."""
    environment = {key: value for key, value in os.environ.items()
                   if key != "PLANNER_ADMIN_PASSWORD"}
    environment |= {"PLANNER_DATABASE_URL": db_url,
                    "PLANNER_SECRETS_FILE": db_url.removeprefix("sqlite:///") + ".toml",
                    **(env or {})}
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, env=environment, timeout=120)


def stored_admins(db_url: str) -> list[User]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        return [users.get_user(session, uid) for uid in users.active_admin_ids(session)]


def test_create_admin_cli_password_from_env(cli_db):
    result = run_cli(cli_db, "create-admin", "--username", "root", "--display-name", "王管理",
                     env={"PLANNER_ADMIN_PASSWORD": ADMIN_PASSWORD})

    assert result.returncode == 0, result.stderr
    assert "已创建管理员“王管理”" in result.stdout
    admins = stored_admins(cli_db)
    assert [a.username for a in admins] == ["root"]
    assert accounts.verify_password(admins[0].password_hash, ADMIN_PASSWORD)


def test_create_admin_cli_password_from_stdin(cli_db):
    result = run_cli(cli_db, "create-admin", "--username", "root", "--display-name", "王管理",
                     stdin=ADMIN_PASSWORD + "\n")

    assert result.returncode == 0, result.stderr
    assert accounts.verify_password(stored_admins(cli_db)[0].password_hash, ADMIN_PASSWORD)


def test_create_admin_cli_refused_second_time(cli_db):
    run_cli(cli_db, "create-admin", "--username", "root", "--display-name", "王管理",
            stdin=ADMIN_PASSWORD + "\n")

    again = run_cli(cli_db, "create-admin", "--username", "other", "--display-name", "另一位",
                    stdin=ADMIN_PASSWORD + "\n")

    assert again.returncode == 2
    assert "已有可用的管理员账号" in again.stderr
    assert [a.username for a in stored_admins(cli_db)] == ["root"]


def test_create_admin_cli_short_password_rejected(cli_db):
    result = run_cli(cli_db, "create-admin", "--username", "root", "--display-name", "王管理",
                     stdin="short\n")

    assert result.returncode == 2
    assert "至少需要 10 个字符" in result.stderr
    assert stored_admins(cli_db) == []


def test_create_admin_cli_missing_username_without_terminal(cli_db):
    result = run_cli(cli_db, "create-admin", "--display-name", "王管理",
                     stdin=ADMIN_PASSWORD + "\n")

    assert result.returncode == 2
    assert "缺少 --username" in result.stderr


def test_check_admin_cli_prints_hint_only_when_needed(cli_db):
    before = run_cli(cli_db, "check-admin")
    run_cli(cli_db, "create-admin", "--username", "root", "--display-name", "王管理",
            stdin=ADMIN_PASSWORD + "\n")
    after = run_cli(cli_db, "check-admin")

    assert before.returncode == 0
    assert "python -m planner create-admin" in before.stdout
    assert after.returncode == 0
    assert "create-admin" not in after.stdout
    assert "已有 1 个可用的管理员账号" in after.stdout


def test_migration_switches_off_builtin_admin(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.exec_driver_sql(
            "INSERT INTO user (username, display_name, is_builtin, is_active, failed_sign_ins,"
            " created_at) VALUES ('admin', '系统管理员', 1, 1, 0, '2026-01-01 00:00:00')")

    migrate(engine)

    with Session(engine) as session:
        assert users.find_by_username(session, "admin").is_active is False
