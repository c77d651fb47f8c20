"""A local OpenAI-compatible server for tests: chat completions, plain and streamed.

It speaks just enough of the chat completions API for the real `openai` client:
POST /v1/chat/completions (a JSON answer, or with "stream": true server-sent events of
`data: {chunk}` lines ending with `data: [DONE]`) and GET /v1/models. Each test picks how
it misbehaves through `mode`, and every request it received is kept in `requests`, so a
test can assert that a text never reached it.

Tests use the `openai_server` fixture, which also points PLANNER_LLM_* at the server:

    from tests.openai_server import openai_server  # noqa: F401 (pytest fixture)

    def test_x(openai_server):
        openai_server.mode = "status"
        openai_server.status = 429
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

MODEL = "qwen2.5-7b-instruct"
API_KEY = "sk-test-local-0123456789"
DEFAULT_REPLY = "根据《实施意见》二、（三），各部门要建立政策解读机制，做到政策文件与解读材料同步发布。"

# What the server does with the next chat completion request.
MODES = (
    "normal",          # answer as asked: JSON, or a stream when "stream" is true
    "slow",            # wait `delay_s` before any byte, so the client times out
    "stall",           # stream the first two chunks, then wait `delay_s` (timeout mid-stream)
    "status",          # answer with HTTP `status` and an OpenAI-style error body
    "malformed",       # a stream whose data lines are not JSON
    "empty_choices",   # a stream of chunks whose "choices" are empty, then [DONE]
    "mixed_choices",   # chunks with empty "choices" between the chunks that carry text
    "no_content",      # a stream with a role chunk and a stop chunk but no text
    "no_stream",       # ignore "stream": true and answer with one JSON completion
    "error_event",     # a stream whose second data line is {"error": {...}}
)


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]      # names in lower case: headers["authorization"]
    body: dict | None

    @property
    def text(self) -> str:
        """Every message content of a chat request, joined: what a model would read."""
        messages = (self.body or {}).get("messages") or []
        return "\n".join(str(message.get("content", "")) for message in messages)


@dataclass
class OpenAIServer:
    """The server's behaviour (set by tests) and what it received."""

    host: str = "127.0.0.1"
    port: int = 0
    mode: str = "normal"
    status: int = 500               # for mode "status"
    reply: str = DEFAULT_REPLY      # the assistant text it answers with
    chunk_chars: int = 8            # characters of `reply` per streamed chunk
    chunk_delay_s: float = 0.0      # pause between streamed chunks
    delay_s: float = 5.0            # for "slow" and "stall"; above the tests' llm_timeout
    models: list[str] = field(default_factory=lambda: [MODEL])
    api_key: str = API_KEY          # "" accepts any key, as Ollama does
    requests: list[ReceivedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def chat_requests(self) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def received_text(self) -> str:
        """All message text of all chat requests, for "this never reached the server"."""
        return "\n".join(request.text for request in self.chat_requests)

    def start(self) -> "OpenAIServer":
        self._httpd = ThreadingHTTPServer((self.host, 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        # A short poll interval lets stop() return at once instead of after 0.5 s.
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True,
                         name=f"openai-test-server-{self.port}").start()
        return self

    def stop(self) -> None:
        self._stopping.set()   # wakes handlers waiting in "slow" and "stall"
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: the connection closes after each answer, which ends a stream without
    # chunked encoding and keeps the server simple.
    protocol_version = "HTTP/1.0"

    @property
    def owner(self) -> OpenAIServer:
        return self.server.owner

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.owner.record(ReceivedRequest("GET", self.path, self._headers(), None))
        if not self._authorised():
            return
        if self.path.rstrip("/") != "/v1/models":
            self._error(404, f"no route {self.path}", "not_found")
            return
        self._json(200, {"object": "list", "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "test"}
            for name in self.owner.models]})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.owner.record(ReceivedRequest("POST", self.path, self._headers(), body))

        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route {self.path}", "not_found")
        elif body is None:
            self._error(400, "request body is not JSON", "invalid_request_error")
        elif self._authorised() and self._model_known(body):
            self._answer(body)

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    # --- the answers --------------------------------------------------------------------

    def _answer(self, body: dict) -> None:
        owner, streamed = self.owner, bool(body.get("stream"))
        if owner.mode == "slow":
            owner.wait(owner.delay_s)
        if owner.mode == "status":
            self._error(owner.status, f"test server answers HTTP {owner.status}",
                        "server_error" if owner.status >= 500 else "invalid_request_error")
        elif streamed and owner.mode != "no_stream":
            self._stream(body)
        else:
            self._json(200, _completion(body.get("model", ""), owner.reply))

    def _stream(self, body: dict) -> None:
        owner, model = self.owner, body.get("model", "")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

        for index, event in enumerate(_events(owner, model)):
            if owner.mode == "stall" and index == 2:
                owner.wait(owner.delay_s)
                return
            self._send_event(event)
            if owner.chunk_delay_s:
                time.sleep(owner.chunk_delay_s)
        self._send_event("[DONE]")

    def _send_event(self, data: str) -> None:
        try:
            self.wfile.write(f"data: {data}\n\n".encode("utf-8"))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client stopped reading (a stop button, a timeout)

    # --- checks a real server makes ---------------------------------------------------------

    def _authorised(self) -> bool:
        expected = self.owner.api_key
        if not expected or self.headers.get("Authorization") == f"Bearer {expected}":
            return True
        self._error(401, "Incorrect API key provided.", "invalid_request_error",
                    code="invalid_api_key")
        return False

    def _model_known(self, body: dict) -> bool:
        model = body.get("model", "")
        if model in self.owner.models:
            return True
        self._error(404, f"The model `{model}` does not exist.", "invalid_request_error",
                    code="model_not_found")
        return False

    def _error(self, status: int, message: str, kind: str, code: str | None = None) -> None:
        self._json(status, {"error": {"message": message, "type": kind, "param": None,
                                      "code": code}})

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client gave up waiting ("slow")

    def log_message(self, *_args) -> None:
        pass


def _events(owner: OpenAIServer, model: str) -> list[str]:
    """The data lines of one streamed answer, before [DONE], for the server's mode."""
    if owner.mode == "malformed":
        return ['{"id": "chatcmpl-test", "choices": [{"delta": {"content": "根据', "not json"]
    if owner.mode == "empty_choices":
        return [json.dumps(_chunk(model, None, empty=True)) for _ in range(3)]
    if owner.mode == "error_event":
        return [json.dumps(_chunk(model, {"role": "assistant", "content": ""})),
                json.dumps({"error": {"message": "model overloaded", "type": "server_error",
                                      "code": 503}})]
    if owner.mode == "no_content":
        return [json.dumps(_chunk(model, {"role": "assistant"})),
                json.dumps(_chunk(model, {}, finish="stop"))]

    pieces = [owner.reply[i:i + owner.chunk_chars]
              for i in range(0, len(owner.reply), owner.chunk_chars)]
    chunks = [_chunk(model, {"role": "assistant", "content": ""})]
    for piece in pieces:
        if owner.mode == "mixed_choices":
            chunks.append(_chunk(model, None, empty=True))
        chunks.append(_chunk(model, {"content": piece}))
    chunks.append(_chunk(model, {}, finish="stop"))
    if owner.mode == "mixed_choices":
        chunks.append(_chunk(model, None, empty=True))   # a usage-only chunk comes last
    return [json.dumps(chunk, ensure_ascii=False) for chunk in chunks]


def _chunk(model: str, delta: dict | None, *, finish: str | None = None,
           empty: bool = False) -> dict:
    chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1767225600,
             "model": model, "choices": []}
    if not empty:
        chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
    else:
        chunk["usage"] = {"prompt_tokens": 10, "completion_tokens": 0, "total_tokens": 10}
    return chunk


def _completion(model: str, text: str) -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 1767225600,
            "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": len(text),
                      "total_tokens": 10 + len(text)}}


@pytest.fixture
def openai_server(monkeypatch):
    """A running test server, with PLANNER_LLM_* pointing at it (not internal, 5 s timeout)."""
    server = OpenAIServer().start()
    monkeypatch.setenv("PLANNER_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("PLANNER_LLM_API_KEY", API_KEY)
    monkeypatch.setenv("PLANNER_LLM_MODEL", MODEL)
    monkeypatch.setenv("PLANNER_LLM_INTERNAL", "false")
    monkeypatch.setenv("PLANNER_LLM_TIMEOUT", "5")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield server
    server.stop()
