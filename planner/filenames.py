"""File names as stored and shown (Chinese kept, characters that Windows or a shell rejects
removed) and file sizes as shown next to them."""

import re
import unicodedata

from planner.i18n import t

# Characters Windows forbids in names, and the C0 and C1 control characters.
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f]+')
MAX_STEM_LENGTH = 80
# Names Windows reserves for devices, with any extension: "CON.docx" cannot be saved.
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                    *(f"LPT{n}" for n in range(1, 10))}


def safe_filename(stem: str, extension: str) -> str:
    """Return `stem.extension` with illegal characters replaced and the stem shortened.

    Invisible format characters (Unicode category Cf) are removed too, because a
    right-to-left override (U+202E) makes "通知\u202excod.exe" look like "通知exe.docx" in a
    file manager. Control characters (C0 and C1) become "_", and runs of whitespace
    (line and paragraph separators included) one space. A Windows device name gets a leading underscore. An empty
    result falls back to "文件" so a download never has a bare extension.
    """
    cleaned = visible_text(stem).strip(" ._")
    cleaned = re.sub(r"\s+", " ", cleaned)[:MAX_STEM_LENGTH].rstrip(" ._")
    if cleaned.split(".")[0].strip().upper() in _WINDOWS_DEVICES:
        cleaned = f"_{cleaned}"
    return f"{cleaned or '文件'}.{extension.lstrip('.')}"


def visible_text(text: str) -> str:
    """Return `text` without invisible format characters (Unicode category Cf, such as the
    bidi overrides U+202A–U+202E and isolates U+2066–U+2069) and with every run of
    characters that Windows forbids in names, control characters included, as one "_"."""
    visible = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return _ILLEGAL.sub("_", visible)


def format_size(size_bytes: int) -> str:
    """Return a size for people: whole bytes under 1 KB, else KB or MB with one decimal.

    Every size and limit in the app uses binary units (1 KB = 1024 bytes, 1 MB = 1024 KB),
    because upload_max_mb and Streamlit's server.maxUploadSize both count 1,048,576 bytes
    per MB and Windows Explorer shows sizes the same way. NOTE: Streamlit 1.67's uploader
    shows decimal units (1 MB = 1,000,000 bytes) in browsers not on Windows, so there a
    file reads "25.0MB" in the uploader and "23.8 MB" in the app's messages.
    """
    if size_bytes < 1024:
        return t("file_size.bytes", count=size_bytes)
    kilobytes = size_bytes / 1024
    if round(kilobytes, 1) < 1024:
        return t("file_size.kilobytes", size=f"{kilobytes:.1f}")
    return t("file_size.megabytes", size=f"{size_bytes / 1024 / 1024:.1f}")
