"""Download file names: Chinese kept, characters that Windows or a shell rejects removed."""

import re

_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_STEM_LENGTH = 80


def safe_filename(stem: str, extension: str) -> str:
    """Return `stem.extension` with illegal characters replaced and the stem shortened.

    An empty result falls back to "文件" so a download never has a bare extension.
    """
    cleaned = _ILLEGAL.sub("_", stem).strip(" ._")
    cleaned = re.sub(r"\s+", " ", cleaned)[:MAX_STEM_LENGTH].rstrip(" ._")
    return f"{cleaned or '文件'}.{extension.lstrip('.')}"
