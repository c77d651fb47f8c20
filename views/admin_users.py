"""用户与角色: units, accounts, roles, password resets and deactivation (管理员 only).

Every button calls planner.services.accounts, which checks the 管理员 role itself.
"""

import streamlit as st

import ui
from planner.i18n import t
from planner.models import Role, Unit, UnitKind, User
from planner.services import accounts, users

FLASH_KEY = "admin_users_flash"


def done(result: object, message: str) -> None:
    """After a successful write, rerun so every table shows it, then show `message`."""
    if result is not None:
        st.session_state[FLASH_KEY] = message
        st.rerun()


def roles_text(roles: list[users.HeldRole]) -> str:
    text = "；".join(f"{r.unit_name}·{ui.label('role', r.role)}" for r in roles)
    return text or t("admin_page.no_roles")


def person_label(people: dict[int, User], user_id: int) -> str:
    return f"{people[user_id].display_name}（{people[user_id].username}）"


def users_tab(units: dict[int, Unit], people: dict[int, User],
              roles_by_user: dict[int, list]) -> None:
    st.subheader(t("admin_page.users_header"))
    st.dataframe([{t("admin_page.col_username"): u.username,
                   t("admin_page.col_name"): u.display_name,
                   t("admin_page.col_unit"): units[u.unit_id].name if u.unit_id in units else "",
                   t("admin_page.col_email"): u.email or "",
                   t("admin_page.col_roles"): roles_text(roles_by_user[u.id]),
                   t("admin_page.col_active"): t("admin_page.active" if u.is_active
                                                 else "admin_page.inactive")}
                  for u in people.values()], hide_index=True)
    if not units:
        st.info(t("admin_page.need_unit"))
        return
    new_user_form(units)


def new_user_form(units: dict[int, Unit]) -> None:
    st.subheader(t("admin_page.new_user_header"))
    with st.form("admin_new_user"):
        username = st.text_input(t("admin_page.username"), help=t("admin_page.username_help"),
                                 key="admin_new_username")
        display_name = st.text_input(t("admin_page.display_name"), key="admin_new_display_name")
        email = st.text_input(t("admin_page.email"), key="admin_new_email")
        unit_id = st.selectbox(t("admin_page.unit"), list(units), key="admin_new_unit",
                               format_func=lambda uid: units[uid].name)
        password = st.text_input(t("admin_page.password"), type="password",
                                 help=t("admin_page.password_help"), key="admin_new_password")
        again = st.text_input(t("admin_page.password_again"), type="password",
                              key="admin_new_password_again")
        submitted = st.form_submit_button(t("admin_page.create_user"), type="primary")
    if not submitted:
        return
    if password != again:
        st.error(t("accounts.password_mismatch"))
        return

    user = ui.run_action(lambda s, a: accounts.create_user(
        s, actor=a, username=username, display_name=display_name, password=password,
        unit_id=unit_id, email=email or None))
    if user is not None:
        done(user, t("admin_page.user_created", name=user.display_name, username=user.username))


def units_tab(units: dict[int, Unit]) -> None:
    st.subheader(t("admin_page.units_header"))
    st.dataframe([{t("admin_page.col_unit_name"): unit.name,
                   t("admin_page.col_unit_kind"): ui.label("unit.kind", unit.kind)}
                  for unit in units.values()], hide_index=True)

    st.subheader(t("admin_page.new_unit_header"))
    with st.form("admin_new_unit"):
        name = st.text_input(t("admin_page.unit_name"), key="admin_unit_name")
        kind = st.selectbox(t("admin_page.unit_kind"), list(UnitKind), key="admin_unit_kind",
                            format_func=lambda k: ui.label("unit.kind", k))
        submitted = st.form_submit_button(t("admin_page.create_unit"), type="primary")
    if submitted:
        unit = ui.run_action(lambda s, a: accounts.create_unit(s, actor=a, name=name, kind=kind))
        if unit is not None:
            done(unit, t("admin_page.unit_created", name=unit.name))


def roles_tab(units: dict[int, Unit], people: dict[int, User],
              roles_by_user: dict[int, list]) -> None:
    if not units or not people:
        st.info(t("admin_page.need_unit" if not units else "admin_page.need_user"))
        return
    user_id = st.selectbox(t("admin_page.user"), list(people), key="admin_role_user",
                           format_func=lambda uid: person_label(people, uid))
    st.caption(t("admin_page.held_header", user=people[user_id].display_name))
    st.write(roles_text(roles_by_user[user_id]))

    role = st.selectbox(t("admin_page.role"), list(Role), key="admin_role_role",
                        format_func=lambda r: ui.label("role", r))
    unit_id = st.selectbox(t("admin_page.role_unit"), list(units), key="admin_role_unit",
                           format_func=lambda uid: units[uid].name)
    params = dict(user=people[user_id].display_name, unit=units[unit_id].name,
                  role=ui.label("role", role))

    grant_col, revoke_col = st.columns(2)
    if grant_col.button(t("admin_page.grant"), key="admin_role_grant", type="primary"):
        done(ui.run_action(lambda s, a: accounts.grant_role(
            s, actor=a, user_id=user_id, unit_id=unit_id, role=role)),
            t("admin_page.granted", **params))
    if revoke_col.button(t("admin_page.revoke"), key="admin_role_revoke"):
        done(ui.run_action(lambda s, a: accounts.revoke_role(
            s, actor=a, user_id=user_id, unit_id=unit_id, role=role)),
            t("admin_page.revoked", **params))


def account_tab(people: dict[int, User]) -> None:
    user_id = st.selectbox(t("admin_page.user"), list(people), key="admin_account_user",
                           format_func=lambda uid: person_label(people, uid))
    name = people[user_id].display_name

    st.subheader(t("admin_page.reset_header"))
    with st.form("admin_reset_password", clear_on_submit=True):
        password = st.text_input(t("admin_page.new_password"), type="password",
                                 help=t("admin_page.password_help"), key="admin_reset_password")
        submitted = st.form_submit_button(t("admin_page.reset"))
    if submitted:
        done(ui.run_action(lambda s, a: accounts.set_password(
            s, actor=a, user_id=user_id, password=password)),
            t("admin_page.password_reset", user=name))

    st.subheader(t("admin_page.status_header"))
    if people[user_id].is_active:
        if st.button(t("admin_page.deactivate"), key="admin_deactivate"):
            done(ui.run_action(lambda s, a: accounts.deactivate_user(s, actor=a, user_id=user_id)),
                 t("admin_page.deactivated", user=name))
    elif st.button(t("admin_page.activate"), key="admin_activate"):
        done(ui.run_action(lambda s, a: accounts.activate_user(s, actor=a, user_id=user_id)),
             t("admin_page.activated", user=name))


st.title(t("admin_page.title"))
if not ui.signed_in_has_role(Role.ADMIN):
    st.info(t("admin_page.admin_only"))
    st.stop()
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))

with ui.db_session() as session:
    all_units = {unit.id: unit for unit in users.list_units(session)}
    all_people = {person.id: person for person in users.list_users(session)}
    roles_by_user = {uid: users.roles_held(session, person) for uid, person in all_people.items()}

tab_users, tab_units, tab_roles, tab_account = st.tabs(
    [t("admin_page.tab_users"), t("admin_page.tab_units"), t("admin_page.tab_roles"),
     t("admin_page.tab_account")])
with tab_users:
    users_tab(all_units, all_people, roles_by_user)
with tab_units:
    units_tab(all_units)
with tab_roles:
    roles_tab(all_units, all_people, roles_by_user)
with tab_account:
    account_tab(all_people)
