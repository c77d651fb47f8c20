"""登录: the only page until someone signs in; password form or the office's OIDC sign-in."""

import streamlit as st
from streamlit.errors import StreamlitAuthError

import ui
from planner.config import get_settings
from planner.i18n import t
from planner.services import accounts, users

NOTICES = {"signed_out": "sign_in_page.signed_out", "gone": "sign_in_page.user_gone"}


def show_notice(settings) -> None:
    notice = st.session_state.get(ui.NOTICE_KEY)
    if notice == "idle":
        st.info(t("sign_in_page.idle_expired", minutes=settings.session_idle_minutes))
    elif notice in NOTICES:
        st.info(t(NOTICES[notice]))


def show_admin_hint() -> None:
    has_admin = ui.run_public(lambda session: users.active_admin_count(session) > 0)
    if has_admin is False:
        st.warning(t("sign_in_page.no_admin"))
        st.code(accounts.CREATE_ADMIN_COMMAND, language="bash")


def password_form() -> None:
    st.caption(t("sign_in_page.intro"))
    # clear_on_submit: the typed password does not stay in the session after this run.
    with st.form("sign_in_form", clear_on_submit=True):
        username = st.text_input(t("sign_in_page.username"), key="sign_in_username")
        password = st.text_input(t("sign_in_page.password"), type="password",
                                 key="sign_in_password")
        submitted = st.form_submit_button(t("sign_in_page.submit"), type="primary")
    if not submitted:
        return

    user = ui.run_public(lambda session: accounts.sign_in(session, username=username,
                                                          password=password))
    if user is not None:
        ui.start_session(user)
        st.rerun()


def oidc_sign_in(settings) -> None:
    # After an idle timeout the identity cookie is still there: ask for a fresh sign-in
    # (st.logout clears it) instead of signing the user straight back in.
    if st.session_state.get(ui.NOTICE_KEY) == "idle":
        if st.button(t("sign_in_page.oidc_again"), key="sign_in_oidc_again", type="primary"):
            st.logout()
        return

    # st.user has no is_logged_in until an [auth] block is configured.
    if st.user.get("is_logged_in"):
        user = ui.run_public(lambda session: accounts.sign_in_oidc(session,
                                                                   email=st.user.get("email")))
        if user is not None:
            ui.start_session(user)
            st.rerun()
        return

    st.caption(t("sign_in_page.oidc_intro"))
    if st.button(t("sign_in_page.oidc_button"), key="sign_in_oidc", type="primary"):
        try:
            st.login(settings.oidc_provider or None)
        except StreamlitAuthError as exc:
            st.error(t("sign_in_page.oidc_not_configured", error=exc))


settings = get_settings()
st.title(t("sign_in_page.title"))
show_notice(settings)
show_admin_hint()
if settings.auth_mode == "oidc":
    oidc_sign_in(settings)
else:
    password_form()
