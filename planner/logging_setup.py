"""Logging: one line per event with time, level, module, user id and the message.

    2026-12-04T20:13:01.123+08:00 INFO planner.services.drafts user=3 draft 12 created

Messages name records by id (draft 12, policy 4), never by their text. The handler
installed here enforces what a careless log call could break:

- one event is one line: line breaks inside a message or a traceback are written as
  "\\n", so a file name typed by a user cannot forge a second log line;
- passwords, keys and tokens are masked wherever they appear (URLs, key=value pairs,
  bearer tokens, OpenAI-style keys);
- a string argument longer than MAX_ARG_CHARS is replaced by its length, so the text of a
  draft (a 不公开 one included) never reaches the log whole.

Settings come from the environment and not from planner.config, because logging must work
before the settings are read and when reading them fails: PLANNER_LOG_LEVEL (default INFO
for the app, WARNING for the command line) and PLANNER_LOG_FILE (default: standard error;
a file is reopened when logrotate moves it).
"""

import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TextIO

from planner.timeutil import OFFICE_TZ

FORMAT = "%(asctime)s %(levelname)s %(name)s user=%(user_id)s %(message)s"
MAX_ARG_CHARS = 120

_current_user: ContextVar[int | None] = ContextVar("planner_log_user", default=None)

_SECRET_PATTERNS = (
    # scheme://user:password@host → scheme://user:***@host
    (re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)", re.I), r"\g<keep>***"),
    # (smtp_)password=..., llm_api_key: ..., "token": "..."; "_" may precede the word
    (re.compile(r"(?P<keep>(?<![a-z0-9])(?:password|passwd|pwd|secret|token|api[_-]?key|"
                r"access[_-]?key)[\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]+", re.I), r"\g<keep>***"),
    (re.compile(r"(?P<keep>\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.I), r"\g<keep>***"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), "sk-***"),
)


def bind_user(user_id: int | None) -> None:
    """Tag the log lines of this thread (one Streamlit session run) with the acting user."""
    _current_user.set(user_id)


@contextmanager
def user_context(user_id: int | None) -> Iterator[None]:
    """Tag the log lines inside the block with `user_id`, then restore the previous one."""
    token = _current_user.set(user_id)
    try:
        yield
    finally:
        _current_user.reset(token)


def redact(text: str) -> str:
    """Mask passwords, keys and tokens in `text`."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Filter adding the user id to every record and shortening long string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        user_id = _current_user.get()
        record.user_id = "-" if user_id is None else user_id
        if isinstance(record.args, tuple):
            record.args = tuple(_shorten(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _shorten(value) for key, value in record.args.items()}
        return True


class OneLineFormatter(logging.Formatter):
    """Formatter writing office time in ISO 8601, secrets masked, each event on one line."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, tz=OFFICE_TZ)
        return moment.isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "user_id"):    # a record that bypassed ContextFilter
            record.user_id = "-"
        text = redact(super().format(record))
        return text.replace("\r", "\\r").replace("\n", "\\n")


def configure_logging(level: str | int | None = None, *, default_level: str = "INFO",
                      stream: TextIO | None = None) -> logging.Handler:
    """Install the planner handler on the root logger, replacing an earlier one.

    The level applies to the planner.* loggers; other libraries stay at the root
    logger's level (WARNING unless something else set it). Safe to call on every
    Streamlit rerun: there is only ever one planner handler.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "planner_handler", False)]:
        root.removeHandler(old)
        old.close()

    handler = _make_handler(stream)
    handler.planner_handler = True
    handler.addFilter(ContextFilter())
    handler.setFormatter(OneLineFormatter(FORMAT))
    root.addHandler(handler)
    logging.getLogger("planner").setLevel(_level(level, default_level))
    return handler


class _StderrHandler(logging.StreamHandler):
    """Handler writing to the sys.stderr of the moment, not the one at set-up time."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _make_handler(stream: TextIO | None) -> logging.Handler:
    if stream is not None:
        return logging.StreamHandler(stream)
    log_file = os.environ.get("PLANNER_LOG_FILE")
    if log_file:
        # WatchedFileHandler reopens the file after logrotate has moved it away.
        return logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    return _StderrHandler()


def _level(level: str | int | None, default_level: str) -> int:
    raw = level if level is not None else os.environ.get("PLANNER_LOG_LEVEL", default_level)
    if isinstance(raw, int):
        return raw
    resolved = logging.getLevelName(raw.strip().upper())
    return resolved if isinstance(resolved, int) else logging.INFO


def _shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_ARG_CHARS:
        return f"<text of {len(value)} characters>"
    return value
