"""The client for an OpenAI-compatible chat endpoint (a hosted model, vLLM, Ollama).

No database here: planner.services.ai decides what may be sent and records the result.
Every failure of the endpoint becomes an AssistError whose message names the problem and
the configuration key to check, so a page shows it as it shows any other PlannerError.
The model name comes from configuration (llm_model) only.
"""

import json
import logging
import time
from collections.abc import Iterator

import httpx2
import openai

from planner.config import LlmSettings
from planner.errors import PlannerError

logger = logging.getLogger(__name__)

# Some servers (Ollama without a key) accept any key, but the client requires one.
PLACEHOLDER_KEY = "not-needed"
SERVER_MESSAGE_LIMIT = 200     # characters of an error text from the server shown to users


class AssistError(PlannerError):
    """The AI endpoint failed or returned something unusable. Nothing was saved."""


def make_client(settings: LlmSettings) -> openai.OpenAI:
    """Build the client; raise AssistError when llm_base_url is not a valid URL."""
    # max_retries=0: a retry would double the wait of someone watching the stream, and a
    # 429 or 5xx is reported with the advice to try again later.
    try:
        return openai.OpenAI(base_url=settings.base_url,
                             api_key=settings.api_key or PLACEHOLDER_KEY,
                             timeout=settings.timeout_seconds, max_retries=0)
    except httpx2.InvalidURL as exc:
        logger.warning("llm_base_url %s is not a valid URL: %s", settings.base_url, exc)
        raise AssistError("ai.error_url_invalid", url=settings.base_url) from exc


def stream_chat(settings: LlmSettings, messages: list[dict[str, str]]) -> Iterator[str]:
    """Send a chat completion request with streaming and yield the text as it arrives.

    Chunks without `choices` (usage reports, keep-alives) are skipped; a stream that ends
    without any text raises AssistError. A server that ignores "stream" and returns one
    JSON completion is read as such. The timeout (llm_timeout) applies to each wait
    for data, so a long answer that keeps streaming is not cut off.

    Raises AssistError for every failure, also in the middle of the stream; the caller
    stops consuming there and keeps nothing.
    """
    started, received = time.monotonic(), 0
    logger.info("LLM request to %s, model %s, %s messages", settings.base_url, settings.model,
                len(messages))
    try:
        for text in _deltas(settings, messages):
            received += len(text)
            yield text
    except openai.OpenAIError as exc:
        raise _explain(settings, exc, received) from exc
    except ValueError as exc:
        # The server-sent events were not JSON: not an OpenAI-compatible stream.
        logger.warning("LLM stream from %s malformed after %s characters: %s",
                       settings.base_url, received, type(exc).__name__)
        raise AssistError("ai.error_malformed", url=settings.base_url) from exc

    if not received:
        logger.warning("LLM answer from %s (model %s) had no text", settings.base_url,
                       settings.model)
        raise AssistError("ai.error_empty", url=settings.base_url, model=settings.model)
    logger.info("LLM answer from %s, model %s: %s characters in %.1f s", settings.base_url,
                settings.model, received, time.monotonic() - started)


def _deltas(settings: LlmSettings, messages: list[dict[str, str]]) -> Iterator[str]:
    client = make_client(settings)
    raw = client.chat.completions.with_raw_response.create(
        model=settings.model, messages=messages, stream=True)

    content_type = raw.headers.get("content-type", "")
    if "json" in content_type:
        logger.info("LLM endpoint %s replied without streaming", settings.base_url)
        yield from _whole_answer(settings, raw.http_response.read())
        return

    with raw.parse() as stream:   # closes the connection when the caller stops early
        for chunk in stream:
            for choice in chunk.choices or ():
                text = choice.delta.content if choice.delta is not None else None
                if text:
                    yield text


def _whole_answer(settings: LlmSettings, body: bytes) -> Iterator[str]:
    """Yield the text of a non-streamed chat completion, which some servers send instead."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise AssistError("ai.error_malformed", url=settings.base_url) from exc
    if not isinstance(payload, dict):
        raise AssistError("ai.error_malformed", url=settings.base_url)
    if isinstance(payload.get("error"), dict):
        raise AssistError("ai.error_reported", url=settings.base_url,
                          detail=_short(payload["error"].get("message")))

    choices = payload.get("choices")
    if not isinstance(choices, list):
        raise AssistError("ai.error_malformed", url=settings.base_url)
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        text = message.get("content") if isinstance(message, dict) else None
        if isinstance(text, str) and text:
            yield text


def _explain(settings: LlmSettings, exc: openai.OpenAIError, received: int) -> AssistError:
    """Log a failure of the client (without any request text) and return its AssistError."""
    status = getattr(exc, "status_code", None)
    logger.warning("LLM request to %s (model %s) failed after %s characters: %s %s",
                   settings.base_url, settings.model, received, type(exc).__name__,
                   status or "")
    url, model = settings.base_url, settings.model

    if isinstance(exc, openai.APITimeoutError):
        return AssistError("ai.error_timeout", url=url, seconds=settings.timeout_seconds)
    if isinstance(exc, openai.APIConnectionError):
        key = "ai.error_interrupted" if received else "ai.error_unreachable"
        return AssistError(key, url=url)
    if isinstance(exc, openai.APIResponseValidationError):
        return AssistError("ai.error_malformed", url=url)
    if isinstance(exc, openai.APIStatusError):
        return _explain_status(url, model, exc.status_code)
    if isinstance(exc, openai.APIError):
        # An error event inside an otherwise good stream ({"error": {...}}).
        return AssistError("ai.error_reported", url=url, detail=_short(exc.message))
    return AssistError("ai.error_failed", url=url, error=type(exc).__name__)


def _explain_status(url: str, model: str, status: int) -> AssistError:
    if status in (401, 403):
        return AssistError("ai.error_key", url=url, status=status)
    if status == 404:
        return AssistError("ai.error_model", url=url, model=model)
    if status == 429:
        return AssistError("ai.error_rate_limit", url=url)
    if status >= 500:
        return AssistError("ai.error_server", url=url, status=status)
    return AssistError("ai.error_http", url=url, status=status)


def _short(text: object) -> str:
    return str(text or "").strip()[:SERVER_MESSAGE_LIMIT] or "—"
