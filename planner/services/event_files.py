"""Photos and files attached to a press event (现场照片, 签到表, 发布材料 ...).

The bytes are stored in the database (EventAttachment.data), so a backup carries them. An
upload is accepted only when its extension is one of ALLOWED_TYPES, its size is within
upload_max_mb, and its content matches the extension. JPEG and PNG are checked by their
signature and parsed by Pillow, PDF by its header, .docx and .xlsx as Office packages of
the right kind (no macros, no zip bomb), .txt as decodable text. The stored name is the
sanitised upload name (planner.filenames.safe_filename), and every message names the file
by it, so a right-to-left override or a control character in the upload name cannot
scramble the message.

Who: the organisers (新闻发言人, 厅办公室) attach and delete files until the event is
archived; whoever may see the event's invite lists and downloads them
(planner.services.events.may_view_private). Uploads, downloads and deletions are audited.
"""

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, select

from planner.config import get_settings
from planner.errors import Conflict, InvalidInput, NotFound
from planner.filenames import format_size, safe_filename, visible_text
from planner.i18n import inside_quotes, t
from planner.models import EventAttachment, EventStatus, PressEvent, User
from planner.permissions import require
from planner.services import audit
from planner.services.events import EVENT_ORGANISERS, get_event, require_private_viewer

logger = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                 "pdf": "application/pdf", "docx": DOCX_TYPE, "xlsx": XLSX_TYPE,
                 "txt": "text/plain"}
MAX_FILES_PER_EVENT = 200
# A cancelled or archived event is closed: its files are kept as they are.
CLOSED_EVENT = {EventStatus.CANCELLED, EventStatus.ARCHIVED}
# Limits for the Office packages: a photo-heavy 发布材料 may unpack to a few hundred MB,
# but nothing real has thousands of parts or parts compressed more than 100-fold.
MAX_UNPACKED_MB = 300
MAX_PARTS = 2000
MAX_RATIO, RATIO_MIN_BYTES = 100, 1024 * 1024
_SIGNATURES = {"jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff",
               "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}
_IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}
MAX_CONTROL_SHARE = 0.01   # a text file with more C0 control characters is binary
_PACKAGE_MARKERS = {"docx": b"wordprocessingml.document.main",
                    "xlsx": b"spreadsheetml.sheet.main"}


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def attach(session: Session, *, actor: User, event_id: int, file_name: str,
           data: bytes) -> AttachmentInfo:
    """Store one file with the event after checking its type, size and content."""
    require(session, actor, "event_files", EVENT_ORGANISERS)
    event = _writable_event(session, event_id)
    extension, stored_name = _checked_name(file_name)
    _check_size(stored_name, data)
    _sniff(stored_name, extension, data)
    digest = hashlib.sha256(data).hexdigest()
    _reject_repeat(session, event, stored_name, digest)

    row = EventAttachment(event_id=event.id, file_name=stored_name,
                          content_type=ALLOWED_TYPES[extension], size_bytes=len(data),
                          sha256=digest, data=data, uploaded_by=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="event_file.attach", entity="press_event",
                 entity_id=event.id, detail={"attachment_id": row.id, "file": stored_name,
                                             "bytes": len(data), "sha256": digest})
    logger.info("file %s (%d bytes) attached to event %s by user %s", row.id, len(data),
                event.id, actor.id)
    return _info(row, actor.display_name)


def list_files(session: Session, *, actor: User, event_id: int) -> list[AttachmentInfo]:
    """Return the event's files, oldest first, without their bytes."""
    require_private_viewer(session, actor, event_id)
    rows = session.exec(select(EventAttachment.id, EventAttachment.file_name,
                               EventAttachment.content_type, EventAttachment.size_bytes,
                               EventAttachment.sha256, User.display_name,
                               EventAttachment.uploaded_at)
                        .join(User, User.id == EventAttachment.uploaded_by, isouter=True)
                        .where(EventAttachment.event_id == event_id)
                        .order_by(EventAttachment.uploaded_at, EventAttachment.id)).all()
    return [AttachmentInfo(id=row[0], file_name=row[1], content_type=row[2],
                           size_bytes=row[3], sha256=row[4], uploaded_by=row[5] or "—",
                           uploaded_at=row[6]) for row in rows]


def download(session: Session, *, actor: User, attachment_id: int) -> tuple[str, bytes]:
    """Return (file name, bytes) of one file; the download is audited."""
    row = _get(session, attachment_id)
    require_private_viewer(session, actor, row.event_id)
    audit.record(session, actor=actor, action="event_file.download", entity="press_event",
                 entity_id=row.event_id, detail={"attachment_id": row.id,
                                                 "file": row.file_name})
    return row.file_name, row.data


def delete(session: Session, *, actor: User, attachment_id: int) -> str:
    """Remove one file before the event is archived; returns its name."""
    require(session, actor, "event_files", EVENT_ORGANISERS)
    row = _get(session, attachment_id)
    _writable_event(session, row.event_id)
    name, event_id, digest = row.file_name, row.event_id, row.sha256
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="event_file.delete", entity="press_event",
                 entity_id=event_id, detail={"attachment_id": attachment_id, "file": name,
                                             "sha256": digest})
    return name


def content_type_of(file_name: str) -> str:
    """The MIME type a download of this stored file gets."""
    return ALLOWED_TYPES.get(PurePath(file_name).suffix.lower().lstrip("."),
                             "application/octet-stream")


def allowed_extensions() -> list[str]:
    return list(ALLOWED_TYPES)


# --- checks -------------------------------------------------------------------------------

def _checked_name(file_name: str) -> tuple[str, str]:
    """Return (extension, stored name), or raise InvalidInput for an extension outside
    ALLOWED_TYPES."""
    path = PurePath(file_name.replace("\\", "/"))
    extension = path.suffix.lower().lstrip(".")
    stored_name = safe_filename(path.stem, visible_text(extension))
    if extension not in ALLOWED_TYPES:
        raise InvalidInput("event_files.type_not_allowed", name=inside_quotes(stored_name),
                           ext=visible_text(extension) or t("event_files.no_extension"),
                           allowed="、".join(ALLOWED_TYPES))
    return extension, stored_name


def _check_size(file_name: str, data: bytes) -> None:
    limit_mb = get_settings().upload_max_mb
    if not data:
        raise InvalidInput("event_files.empty", name=inside_quotes(file_name))
    if len(data) > limit_mb * 1024 * 1024:
        raise InvalidInput("event_files.too_large", name=inside_quotes(file_name),
                           size=format_size(len(data)),
                           limit_mb=limit_mb)


def _sniff(file_name: str, extension: str, data: bytes) -> None:
    """Reject content that does not match the extension (a renamed file, a web page)."""
    if extension in _SIGNATURES:
        if not data.startswith(_SIGNATURES[extension]):
            raise InvalidInput("event_files.content_mismatch", name=inside_quotes(file_name),
                               ext=extension)
        if extension in _IMAGE_FORMATS:
            _check_image(file_name, extension, data)
    elif extension in _PACKAGE_MARKERS:
        _check_package(file_name, extension, data)
    elif not _is_text(data):
        raise InvalidInput("event_files.content_mismatch", name=inside_quotes(file_name),
                           ext=extension)


def _check_image(file_name: str, extension: str, data: bytes) -> None:
    """Parse the image's structure with Pillow (installed with streamlit), which also
    refuses decompression bombs (more than twice Image.MAX_IMAGE_PIXELS)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as exc:
        logger.info("upload %s is not a readable %s image: %s", file_name, extension, exc)
        raise InvalidInput("event_files.image_broken", name=inside_quotes(file_name)) from exc
    if found != _IMAGE_FORMATS[extension]:
        raise InvalidInput("event_files.content_mismatch", name=inside_quotes(file_name),
                           ext=extension)


def _check_package(file_name: str, extension: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            _check_members(file_name, members)
            content_types = package.read("[Content_Types].xml")
    except InvalidInput:
        raise
    except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        logger.info("upload %s is not an Office package: %s", file_name, exc)
        raise InvalidInput("event_files.content_mismatch", name=inside_quotes(file_name),
                           ext=extension) from exc
    if b"macroEnabled" in content_types:
        raise InvalidInput("event_files.macro", name=inside_quotes(file_name))
    if _PACKAGE_MARKERS[extension] not in content_types:
        raise InvalidInput("event_files.content_mismatch", name=inside_quotes(file_name),
                           ext=extension)


def _check_members(file_name: str, members: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(member.file_size for member in members)
    ratios = [member.file_size / max(member.compress_size, 1) for member in members
              if member.file_size >= RATIO_MIN_BYTES]
    if (len(members) > MAX_PARTS or unpacked > MAX_UNPACKED_MB * 1024 * 1024
            or any(ratio > MAX_RATIO for ratio in ratios)):
        raise InvalidInput("event_files.package_suspicious", name=inside_quotes(file_name))


def _is_text(data: bytes) -> bool:
    """UTF-8 (with or without BOM), UTF-16 with BOM or GB18030, with few control characters."""
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else (
        "utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")
        return controls <= MAX_CONTROL_SHARE * len(text)
    return False


def _reject_repeat(session: Session, event: PressEvent, file_name: str, digest: str) -> None:
    rows = session.exec(select(EventAttachment.sha256)
                        .where(EventAttachment.event_id == event.id)).all()
    if digest in rows:
        raise Conflict("event_files.duplicate", name=inside_quotes(file_name))
    if len(rows) >= MAX_FILES_PER_EVENT:
        raise InvalidInput("event_files.too_many", limit=MAX_FILES_PER_EVENT)


def _writable_event(session: Session, event_id: int) -> PressEvent:
    event = get_event(session, event_id)
    if event.status in CLOSED_EVENT:
        raise Conflict("event_files.event_closed", topic=inside_quotes(event.topic),
                       status=t(f"event.status.{event.status}"))
    return event


def closed_reason(session: Session, event_id: int) -> str | None:
    """Return why the event's files can no longer be added or deleted, or None if they can."""
    try:
        _writable_event(session, event_id)
    except Conflict as exc:
        return exc.message
    return None


def _get(session: Session, attachment_id: int) -> EventAttachment:
    row = session.get(EventAttachment, attachment_id)
    if row is None:
        raise NotFound("event_files.not_found", id=attachment_id)
    return row


def _info(row: EventAttachment, uploaded_by: str) -> AttachmentInfo:
    return AttachmentInfo(id=row.id, file_name=row.file_name, content_type=row.content_type,
                          size_bytes=row.size_bytes, sha256=row.sha256,
                          uploaded_by=uploaded_by, uploaded_at=row.uploaded_at)
