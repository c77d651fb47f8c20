"""The message catalog: every user-facing string, looked up by key.

Catalogs live in planner/locales/<lang>.toml; zh-CN is the reference catalog and
the fallback, so an English UI is one more file (en.toml) plus PLANNER_LANG=en.
"""

import logging
import os
import tomllib
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANG = "zh-CN"


@cache
def _load(lang: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{lang}.toml"
    if not path.exists():
        logger.warning("message catalog %s not found, using %s", path, DEFAULT_LANG)
        return {}
    with path.open("rb") as fh:
        return _flatten(tomllib.load(fh))


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


def current_lang() -> str:
    return os.environ.get("PLANNER_LANG", DEFAULT_LANG)


def t(key: str, **params: object) -> str:
    """Return the message for `key` in the current language, formatted with `params`.

    A key missing from the catalog returns the key itself, so a gap shows up on
    screen and in tests instead of raising inside an error handler.
    """
    template = _load(current_lang()).get(key) or _load(DEFAULT_LANG).get(key)
    if template is None:
        logger.error("message key %s missing from catalog", key)
        return key
    return template.format(**params) if params else template


_NESTED_BOOK_MARKS = str.maketrans("《》〈〉", "〈〉《》")


def inside_book_marks(title: str) -> str:
    """Return a title to be set inside 《》: its own 《》 become 〈〉 (and 〈〉 become 《》).

    GB/T 15834-2011 (标点符号用法): nested book-title marks alternate, the outer pair
    双书名号 《》 and the inner pair 单书名号 〈〉, so 《关于〈…办法〉的政策解读》.
    """
    return title.translate(_NESTED_BOOK_MARKS)


_NESTED_QUOTES = str.maketrans("“”‘’", "‘’“”")


def inside_quotes(text: str) -> str:
    """Return a text to be set inside “”: its own “” become ‘’ (and ‘’ become “”).

    GB/T 15834-2011 (标点符号用法): a quotation inside a quotation takes 单引号 ‘’.
    """
    return text.translate(_NESTED_QUOTES)


def has_key(key: str) -> bool:
    return key in _load(DEFAULT_LANG)


def all_keys() -> set[str]:
    return set(_load(DEFAULT_LANG))
