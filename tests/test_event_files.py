"""Photos and files of a press event: accepted types checked by content, size limit,
sanitised names, who may upload, see and delete, and the audit rows."""

import io
import unicodedata
from pathlib import Path

import docx
import pytest
from PIL import Image
from sqlmodel import select

from planner.config import get_settings
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import AuditEntry, EventStatus, PressEvent
from planner.services import event_files
from tests.event_setup import book, make_people

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


@pytest.fixture
def people(session):
    return make_people(session)


@pytest.fixture
def event_id(session, people):
    return book(session, people).id


def image_bytes(kind: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("春运交通保障新闻发布会签到表")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def attach(session, people, event_id, name, data, actor=None):
    info = event_files.attach(session, actor=actor or people.speaker, event_id=event_id,
                              file_name=name, data=data)
    session.commit()
    return info


# --- accepted ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("现场照片.jpg", lambda: image_bytes("JPEG"), "image/jpeg"),
    ("现场照片.JPEG", lambda: image_bytes("JPEG"), "image/jpeg"),
    ("主席台.png", lambda: image_bytes("PNG"), "image/png"),
    ("发布材料.pdf", lambda: PDF, "application/pdf"),
    ("签到表.docx", docx_bytes, event_files.DOCX_TYPE),
    ("媒体名单.xlsx", lambda: (HOSTILE / "表格.docx").read_bytes(), event_files.XLSX_TYPE),
    ("文字实录.txt", lambda: (HOSTILE / "编码-UTF-8.txt").read_bytes(), "text/plain"),
    ("文字实录GBK.txt", lambda: (HOSTILE / "编码-GB18030.txt").read_bytes(), "text/plain"),
    ("实录UTF16.txt", lambda: (HOSTILE / "编码-UTF-16LE-BOM.txt").read_bytes(),
     "text/plain"),
])
def test_attach_accepted_types(session, people, event_id, name, data, content_type):
    content = data()

    info = attach(session, people, event_id, name, content)

    assert (info.file_name, info.content_type, info.size_bytes) == (
        name.rsplit(".", 1)[0] + "." + name.rsplit(".", 1)[1].lower(), content_type,
        len(content))
    stored_name, stored = event_files.download(session, actor=people.speaker,
                                               attachment_id=info.id)
    assert stored == content
    assert stored_name == info.file_name


# --- refused ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("工具.exe", lambda: b"MZ\x90\x00", "不支持"),
    ("图标.svg", lambda: b"<svg onload='alert(1)'/>", "不支持"),
    ("宏.docm", lambda: (HOSTILE / "宏.docm").read_bytes(), "不支持"),
    ("没有扩展名", lambda: b"abc", "无扩展名"),
    ("空.pdf", lambda: b"", "是空的"),
    ("照片.jpg", lambda: image_bytes("PNG"), "与扩展名 .jpg 不符"),
    ("扫描件.png", lambda: PDF, "与扩展名 .png 不符"),
    ("坏图.png", lambda: (HOSTILE / "照片.docx").read_bytes(), "已损坏"),
    ("网页.pdf", lambda: (HOSTILE / "网页.docx").read_bytes(), "不符"),
    ("改名的宏.docx", lambda: (HOSTILE / "改名的宏.docx").read_bytes(), "含有宏"),
    ("表格.docx", lambda: (HOSTILE / "表格.docx").read_bytes(), "不符"),
    ("文档.xlsx", docx_bytes, "不符"),
    ("截断.docx", lambda: (HOSTILE / "截断.docx").read_bytes(), "不符"),
    ("炸弹.docx", lambda: (HOSTILE / "炸弹-压缩比.docx").read_bytes(), "过大或部件过多"),
    ("炸弹总量.docx", lambda: (HOSTILE / "炸弹-总量.docx").read_bytes(), "过大或部件过多"),
    ("二进制.txt", lambda: (HOSTILE / "二进制.txt").read_bytes(), "不符"),
])
def test_attach_refused(session, people, event_id, name, data, fragment):
    with pytest.raises(InvalidInput) as refused:
        event_files.attach(session, actor=people.speaker, event_id=event_id, file_name=name,
                           data=data())

    assert fragment in refused.value.message
    session.rollback()
    assert event_files.list_files(session, actor=people.speaker, event_id=event_id) == []


def test_attach_over_size_limit(session, people, event_id, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    big = (HOSTILE / "编码-UTF-8.txt").read_bytes() * 200     # about 1.5 MB

    with pytest.raises(InvalidInput) as refused:
        event_files.attach(session, actor=people.speaker, event_id=event_id,
                           file_name="长实录.txt", data=big)

    get_settings.cache_clear()
    size = len(big) / 1024 / 1024
    assert f"“长实录.txt”有 {size:.1f} MB，超过上传上限 1 MB" in refused.value.message


def test_same_content_twice_refused(session, people, event_id):
    data = image_bytes("PNG")
    attach(session, people, event_id, "一.png", data)

    with pytest.raises(Conflict) as refused:
        event_files.attach(session, actor=people.speaker, event_id=event_id,
                           file_name="二.png", data=data)

    assert "内容相同" in refused.value.message


@pytest.mark.parametrize(("name", "data", "error", "shown"), [
    ("记录\u202etxt.exe\u2066.txt", lambda: "现场记录".encode(), Conflict, "记录txt.exe.txt"),
    ("空\u202e白.txt", lambda: b"", InvalidInput, "空白.txt"),
    ("签\u202e到.ex\u202ce", lambda: b"MZ", InvalidInput, "签到.exe"),
    ("照\x85片.jpg", lambda: PDF, InvalidInput, "照_片.jpg"),
])
def test_messages_name_sanitised_file(session, people, event_id, name, data, error, shown):
    content = data()
    if error is Conflict:
        attach(session, people, event_id, "记录.txt", content)

    with pytest.raises(error) as refused:
        event_files.attach(session, actor=people.speaker, event_id=event_id,
                           file_name=name, data=content)

    message = refused.value.message
    assert f"“{shown}”" in message
    assert not [char for char in message if unicodedata.category(char) in ("Cc", "Cf")]


@pytest.mark.parametrize(("name", "stored"), [
    ("../../etc/现场照片<1>.jpg", "现场照片_1.jpg"),
    ("C:\\Users\\chen\\Desktop\\主席台.JPG", "主席台.jpg"),
    ("通知\u202egpj.jpg", "通知gpj.jpg"),
    ("通知\u2066\u200fgpj\u2069.jpg", "通知gpj.jpg"),
    ("通知\x85第\x9b二\x07版.jpg", "通知_第_二_版.jpg"),
    ("CON.jpg", "_CON.jpg"),
])
def test_file_name_sanitised(session, people, event_id, name, stored):
    info = attach(session, people, event_id, name, image_bytes("JPEG"))

    assert info.file_name == stored


# --- who ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["drafter", "leader", "expert"])
def test_attach_by_non_organiser_refused(session, people, event_id, who):
    with pytest.raises(PermissionDenied):
        event_files.attach(session, actor=getattr(people, who), event_id=event_id,
                           file_name="照片.png", data=image_bytes("PNG"))


@pytest.mark.parametrize(("who", "allowed"), [
    ("speaker", True), ("clerk", True), ("leader", True), ("expert", True),
    ("drafter", False),
])
def test_list_and_download_permission(session, people, event_id, who, allowed):
    info = attach(session, people, event_id, "照片.png", image_bytes("PNG"))
    actor = getattr(people, who)

    if allowed:
        assert [f.id for f in event_files.list_files(session, actor=actor,
                                                     event_id=event_id)] == [info.id]
        assert event_files.download(session, actor=actor, attachment_id=info.id)[0] == "照片.png"
    else:
        with pytest.raises(PermissionDenied):
            event_files.list_files(session, actor=actor, event_id=event_id)
        with pytest.raises(PermissionDenied):
            event_files.download(session, actor=actor, attachment_id=info.id)


def test_delete_removes_file(session, people, event_id):
    info = attach(session, people, event_id, "照片.png", image_bytes("PNG"))

    name = event_files.delete(session, actor=people.clerk, attachment_id=info.id)
    session.commit()

    assert name == "照片.png"
    assert event_files.list_files(session, actor=people.clerk, event_id=event_id) == []
    with pytest.raises(NotFound):
        event_files.download(session, actor=people.clerk, attachment_id=info.id)


def test_delete_by_non_organiser_refused(session, people, event_id):
    info = attach(session, people, event_id, "照片.png", image_bytes("PNG"))

    with pytest.raises(PermissionDenied):
        event_files.delete(session, actor=people.expert, attachment_id=info.id)


def test_archived_event_files_frozen(session, people, event_id):
    info = attach(session, people, event_id, "照片.png", image_bytes("PNG"))
    row = session.get(PressEvent, event_id)
    row.status = EventStatus.ARCHIVED
    session.add(row)
    session.commit()

    with pytest.raises(Conflict):
        event_files.attach(session, actor=people.speaker, event_id=event_id,
                           file_name="补充.png", data=image_bytes("PNG", (10, 10)))
    with pytest.raises(Conflict) as refused:
        event_files.delete(session, actor=people.speaker, attachment_id=info.id)
    assert "已归档" in refused.value.message


def test_every_write_and_download_audited(session, people, event_id):
    data = image_bytes("PNG")
    info = attach(session, people, event_id, "照片.png", data)
    event_files.download(session, actor=people.expert, attachment_id=info.id)
    event_files.delete(session, actor=people.speaker, attachment_id=info.id)
    session.commit()

    rows = session.exec(select(AuditEntry).where(AuditEntry.action.like("event_file.%"))
                        .order_by(AuditEntry.id)).all()
    assert [(r.action, r.actor_id) for r in rows] == [
        ("event_file.attach", people.speaker.id), ("event_file.download", people.expert.id),
        ("event_file.delete", people.speaker.id)]
    assert '"file": "照片.png"' in rows[0].detail
    assert info.sha256 in rows[0].detail


def test_list_files_orders_and_describes(session, people, event_id):
    first = attach(session, people, event_id, "一.png", image_bytes("PNG"))
    second = attach(session, people, event_id, "二.pdf", PDF)

    listed = event_files.list_files(session, actor=people.speaker, event_id=event_id)

    assert [f.id for f in listed] == [first.id, second.id]
    assert [f.is_image for f in listed] == [True, False]
    assert listed[0].uploaded_by == "陈静"
