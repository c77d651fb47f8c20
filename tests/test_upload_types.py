"""File uploaders take any file type, so the service's Chinese message reaches the user.

With `type=[...]`, Streamlit rejects a file of another type in the browser and shows only
a red icon, with no text and no way forward. Each uploader instead names the accepted
types and the app's own size limit (upload_max_mb) in its help text, and the service
refuses a wrong type with a message that names the file and the fix.
"""

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planner.config import PROJECT_ROOT, get_settings
from planner.errors import InvalidInput
from planner.models import Role
from planner.services import media, policies
from tests import factories

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
MACRO = "宏.docm"
UI_FOLDERS = ("views", "widgets")


def uploader_calls() -> list:
    """Return pytest.param(call, id=file:line) for every st.file_uploader call in the
    pages and widgets."""
    found = []
    for folder in UI_FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "file_uploader"):
                    found.append(pytest.param(node, id=f"{folder}/{path.name}:{node.lineno}"))
    return found


def keywords(call: ast.Call) -> set[str]:
    return {keyword.arg for keyword in call.keywords}


def test_uploaders_found():
    places = [param.id for param in uploader_calls()]

    # policies (2), roundtrip, media, opinions, event attachments
    assert len(places) >= 6, places


@pytest.mark.parametrize("call", uploader_calls())
def test_uploader_has_no_type_filter(call):
    assert "type" not in keywords(call)


@pytest.mark.parametrize("call", uploader_calls())
def test_uploader_states_limit_in_help(call):
    assert "help" in keywords(call)


# --- services refuse a wrong type in Chinese ------------------------------------------------

def test_policy_upload_refuses_macro_file():
    with pytest.raises(InvalidInput) as error:
        policies.parse_upload(MACRO, (HOSTILE / MACRO).read_bytes())

    assert f"“{MACRO}”" in error.value.message
    assert "另存为 .docx" in error.value.message


def test_media_import_refuses_macro_file(session):
    unit = factories.make_unit(session, "省交通宣传中心")
    speaker = factories.make_user(session, "chenjing", unit=unit, roles={Role.SPOKESPERSON})

    with pytest.raises(InvalidInput) as error:
        media.import_contacts(session, actor=speaker, file_name=MACRO,
                              data=(HOSTILE / MACRO).read_bytes())

    assert error.value.key == "media.import_unsupported"
    assert f"“{MACRO}”" in error.value.message
    assert ".xlsx" in error.value.message
    assert "监测系统" not in error.value.message


# --- the 政策文件 page ---------------------------------------------------------------------

@pytest.fixture
def drafter(app_engine):
    from sqlmodel import Session

    with Session(app_engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        return factories.make_user(session, "drafter", unit=unit, roles={Role.DRAFTER})


def open_policies(user) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page("views/policies.py").run()
    assert not app.exception
    return app


def test_policies_uploader_states_types_and_limit(drafter, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "7")
    get_settings.cache_clear()
    try:
        app = open_policies(drafter)
    finally:
        get_settings.cache_clear()

    uploader = app.file_uploader(key="policies_upload")
    assert uploader.allowed_type == []
    assert "7 MB" in uploader.help
    assert ".docx" in uploader.help


def test_policies_page_names_macro_file(drafter):
    app = open_policies(drafter)

    app.file_uploader(key="policies_upload").upload(
        MACRO, (HOSTILE / MACRO).read_bytes(), "application/octet-stream").run()
    [button for button in app.button if button.label == "解析"][0].click().run()

    assert not app.exception
    assert len(app.error) == 1
    assert f"“{MACRO}”" in app.error[0].value
    assert "启用宏的 Word 文档" in app.error[0].value
