"""Who may do what: every policy, event, account and example-data action × every role.

Each row runs the real service on a real database (SQLite, and PostgreSQL where one can
be started) as a user holding exactly one role. It expects either success or
PermissionDenied, whose Chinese message names the action and the roles that may do it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from planner.errors import PermissionDenied
from planner.i18n import t
from planner.models import EventKind, Role, UnitKind
from planner.services import accounts, events, policies, seed
from planner.timeutil import OFFICE_TZ
from tests import factories

ALL_ROLES = list(Role)
POLICY_TEXT = "关于测试的通知\n一、总则\n本通知自发布之日起施行。"


@dataclass
class World:
    """What the actions act on: a unit, a policy, an event and a second user."""

    unit_id: int
    other_unit_id: int
    policy_id: int
    event_id: int
    target_id: int


@pytest.fixture
def world(any_session) -> World:
    session = any_session
    unit = factories.make_unit(session, "政策法规处")
    other = factories.make_unit(session, "厅办公室")
    setup = factories.make_user(session, "setup", unit=unit,
                                roles={Role.ADMIN, Role.DRAFTER, Role.SPOKESPERSON})
    target = factories.make_user(session, "target", unit=other, roles={Role.EXPERT})

    policy = _save_policy(session, setup)
    event = events.create_event(session, actor=setup, data=_event_input("既有活动"))
    session.commit()
    return World(unit_id=unit.id, other_unit_id=other.id, policy_id=policy.id,
                 event_id=event.id, target_id=target.id)


def _save_policy(session, actor, title="关于测试的通知"):
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    return policies.save_policy(session, actor=actor, parsed=parsed,
                                fields=policies.PolicyFields(title=title),
                                source_name="粘贴的文本", raw_text=raw)


def _event_input(topic: str) -> events.EventInput:
    start = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)
    return events.EventInput(kind=EventKind.BRIEFING, topic=topic, starts_at=start,
                             ends_at=start + timedelta(hours=1), venue="第二会议室")


# action key (catalog [actions]) → (call as `actor`, roles allowed)
ACTIONS = {
    "create_policy": (
        lambda s, a, w: _save_policy(s, a, title="关于另一项测试的通知"),
        {Role.DRAFTER, Role.GENERAL_OFFICE, Role.ADMIN}),
    "update_policy": (
        lambda s, a, w: policies.update_fields(s, actor=a, policy_id=w.policy_id,
                                               fields=policies.PolicyFields(title="新标题")),
        {Role.DRAFTER, Role.GENERAL_OFFICE, Role.ADMIN}),
    "create_event": (
        lambda s, a, w: events.create_event(s, actor=a, data=_event_input("新活动")),
        {Role.SPOKESPERSON, Role.GENERAL_OFFICE}),
    "update_event": (
        lambda s, a, w: events.update_event(s, actor=a, event_id=w.event_id,
                                            data=_event_input("改期的活动")),
        {Role.SPOKESPERSON, Role.GENERAL_OFFICE}),
    "manage_units": (
        lambda s, a, w: accounts.create_unit(s, actor=a, name="厅信息中心",
                                             kind=UnitKind.AFFILIATE),
        {Role.ADMIN}),
    "manage_accounts": (
        lambda s, a, w: accounts.create_user(s, actor=a, username="newcomer",
                                             display_name="新同事", password="New-密码-2026",
                                             unit_id=w.unit_id),
        {Role.ADMIN}),
    "manage_roles": (
        lambda s, a, w: accounts.grant_role(s, actor=a, user_id=w.target_id,
                                            unit_id=w.unit_id, role=Role.DRAFTER),
        {Role.ADMIN}),
    "reset_password": (
        lambda s, a, w: accounts.set_password(s, actor=a, user_id=w.target_id,
                                              password="Reset-密码-2026"),
        {Role.ADMIN}),
    "deactivate_user": (
        lambda s, a, w: accounts.deactivate_user(s, actor=a, user_id=w.target_id),
        {Role.ADMIN}),
    "load_examples": (
        lambda s, a, w: seed.load_examples(s, actor=a, staff_password="Example-密码-2026"),
        {Role.ADMIN}),
}

CASES = [pytest.param(action, role, role in allowed, id=f"{action}-{role}")
         for action, (_, allowed) in ACTIONS.items() for role in ALL_ROLES]


@pytest.mark.parametrize(("action", "role", "allowed"), CASES)
def test_action_by_role(any_session, world, action, role, allowed):
    actor = factories.make_user(any_session, f"as-{role}".replace("_", "-"), roles={role},
                                unit=factories.make_unit(any_session, "政策法规处"))
    call, allowed_roles = ACTIONS[action]

    if allowed:
        result = call(any_session, actor, world)
        any_session.commit()
        assert result is not None
        return

    with pytest.raises(PermissionDenied) as error:
        call(any_session, actor, world)
    assert t(f"actions.{action}") in error.value.message
    assert error.value.message.startswith("您没有权限")
    assert all(t(f"role.{r}") in error.value.message for r in allowed_roles)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_action_without_role_denied(any_session, world, action):
    nobody = factories.make_user(any_session, "nobody", roles=set(),
                                 unit=factories.make_unit(any_session, "政策法规处"))

    with pytest.raises(PermissionDenied) as error:
        ACTIONS[action][0](any_session, nobody, world)

    assert t(f"actions.{action}") in error.value.message


@pytest.mark.parametrize("action", list(ACTIONS))
def test_action_by_deactivated_user_denied(any_session, world, action):
    role = sorted(ACTIONS[action][1])[0]
    former = factories.make_user(any_session, "former", roles={role}, is_active=False,
                                 unit=factories.make_unit(any_session, "政策法规处"))

    with pytest.raises(PermissionDenied):
        ACTIONS[action][0](any_session, former, world)


def test_denied_action_changes_nothing(any_session, world):
    drafter = factories.make_user(any_session, "drafter", roles={Role.DRAFTER},
                                  unit=factories.make_unit(any_session, "政策法规处"))

    with pytest.raises(PermissionDenied):
        events.update_event(any_session, actor=drafter, event_id=world.event_id,
                            data=_event_input("不该改成这个"))
    any_session.rollback()

    assert events.get_event(any_session, world.event_id).topic == "既有活动"
