"""Download file names: Chinese kept, characters that Windows or a shell rejects removed."""

import re
import unicodedata

_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_STEM_LENGTH = 80
# Names Windows reserves for devices, with any extension: "CON.docx" cannot be saved.
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                    *(f"LPT{n}" for n in range(1, 10))}


def safe_filename(stem: str, extension: str) -> str:
    """Return `stem.extension` with illegal characters replaced and the stem shortened.

    Invisible format characters are removed too, because a right-to-left override
    (U+202E) makes "通知\u202excod.exe" look like "通知exe.docx" in a file manager. A
    Windows device name gets a leading underscore. An empty result falls back to "文件" so a download
    never has a bare extension.
    """
    visible = "".join(char for char in stem if unicodedata.category(char) != "Cf")
    cleaned = _ILLEGAL.sub("_", visible).strip(" ._")
    cleaned = re.sub(r"\s+", " ", cleaned)[:MAX_STEM_LENGTH].rstrip(" ._")
    if cleaned.split(".")[0].strip().upper() in _WINDOWS_DEVICES:
        cleaned = f"_{cleaned}"
    return f"{cleaned or '文件'}.{extension.lstrip('.')}"
