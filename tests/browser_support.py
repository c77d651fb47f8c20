"""Support for the Chromium tests: the app server as `make run` starts it, and the browser.

Nothing here imports playwright at module level, so a machine without it can still collect
the tests and report them as skipped with the reason from missing_browser_reason().
"""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS_DIR = PROJECT_ROOT / "docs" / "screenshots"

# Debian's Chromium, installed by scripts/install-browser.sh: playwright cannot download its
# own browser build here.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}

HEALTH_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
MIGRATE_TIMEOUT_S = 60

# Requests go only to 127.0.0.1, so an HTTP proxy set in the environment must not get them.
_LOCAL_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def missing_browser_reason() -> str | None:
    """Say what the browser tests lack and how to get it, or None when they can run."""
    if not CHROMIUM.exists():
        return (f"Chromium not found at {CHROMIUM}: run `sh scripts/install-browser.sh` as root "
                "(it installs Debian's chromium and fonts-wqy-microhei; `make test` runs it)")

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return (f"the Python package playwright cannot be imported ({exc}): install it with "
                "`.venv/bin/python -m pip install -r requirements-dev.txt` (`make test` does)")
    return None


def screenshots_enabled() -> bool:
    return os.environ.get("PLANNER_SCREENSHOTS") == "1"


def free_port() -> int:
    """Return a port on 127.0.0.1 that is free at the moment, chosen by the OS."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    """The app served as `make run` serves it, with its own port, SQLite file and log file.

    The port is kept across stop() and start(), so a page reload after a restart reaches
    the new process as it would on an office server.
    """

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "streamlit.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PLANNER_DATABASE_URL"] = f"sqlite:///{self.workdir / 'planner.db'}"
        # A secrets file that does not exist, so the developer's own secrets.toml is not read.
        env["PLANNER_SECRETS_FILE"] = str(self.workdir / "no-secrets.toml")
        return env

    def migrate(self) -> None:
        """Run the migrations, as `make run` does before it starts the app."""
        subprocess.run([sys.executable, "-m", "planner", "migrate"], cwd=PROJECT_ROOT,
                       env=self.env(), check=True, capture_output=True,
                       timeout=MIGRATE_TIMEOUT_S)

    def start(self) -> None:
        command = [sys.executable, "-m", "streamlit", "run", "app.py",
                   "--server.address", "127.0.0.1", "--server.port", str(self.port),
                   "--server.headless", "true"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env(),
                                            stdout=log, stderr=subprocess.STDOUT)
        logger.info("streamlit started as pid %s on %s", self.process.pid, self.url)

        self._wait_until_healthy()

    def stop(self) -> None:
        """Terminate the server, and kill it if it has not exited within STOP_TIMEOUT_S."""
        if self.process is None or self.process.poll() is not None:
            return

        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            logger.warning("streamlit pid %s ignored SIGTERM; killing it", self.process.pid)
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode} "
                                   f"before its health check passed; log:\n{self.log_tail()}")
            if self._health() == "ok":
                return
            time.sleep(0.2)

        self.stop()
        raise TimeoutError(f"timed out after {HEALTH_TIMEOUT_S} s waiting for "
                           f"{self.url}/_stcore/health to return 'ok'; log:\n{self.log_tail()}")

    def _health(self) -> str:
        try:
            with _LOCAL_OPENER.open(f"{self.url}/_stcore/health", timeout=2) as response:
                return response.read().decode().strip()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return ""


def sign_in_page(page, url: str, username: str) -> None:
    """Open the app at `url` and sign in as `username` with the test password."""
    from tests import factories

    page.goto(url)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
