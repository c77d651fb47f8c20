"""A throwaway PostgreSQL server for the tests, on 127.0.0.1 and a free port.

The cluster lives in a temporary folder and is removed when the tests end. initdb and
pg_ctl refuse to run as root, so as root they run as the `postgres` user through
runuser (only the PostgreSQL binaries: the project's Python never runs as that user).
PLANNER_TEST_POSTGRES_URL names an already running server instead (a URL whose user may
create databases, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

SERVICE_USER = "postgres"
FOLDER_PREFIX = "planner-pg-"
OWNER_FILE = "owner.pid"       # the test process that started the cluster
START_TIMEOUT_S = 30
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The throwaway cluster trades durability for speed: its data is gone after the run.
SERVER_OPTIONS = ("-F -c full_page_writes=off -c synchronous_commit=off "
                  "-c max_connections=100")


class PostgresServer:
    """A server the tests may create and drop databases on."""

    def __init__(self, admin_url: str, folder: Path | None = None,
                 bindir: Path | None = None, run_as: str | None = None) -> None:
        self.admin_url = admin_url
        self.folder = folder          # None for a server these tests did not start
        self.bindir = bindir
        self.run_as = run_as
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                    poolclass=NullPool)

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(
            hide_password=False)

    def create_database(self, name: str, template: str = "template0") -> str:
        """Create database `name` as a copy of `template`; return its URL."""
        _check_name(name)
        _check_name(template)
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def stop(self) -> None:
        self._admin.dispose()
        if self.folder is None:
            return
        _run(self.bindir / "pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w",
             "stop", run_as=self.run_as, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def start() -> tuple[PostgresServer | None, str]:
    """Start (or connect to) a server; return it, or None and the reason it is unavailable."""
    existing = os.environ.get("PLANNER_TEST_POSTGRES_URL")
    if existing:
        return PostgresServer(existing), ""

    bindir = find_bindir()
    if bindir is None:
        return None, ("no PostgreSQL server binaries (initdb, pg_ctl) found; install "
                      "Debian's postgresql package or set PLANNER_TEST_POSTGRES_URL")
    run_as, reason = _service_user()
    if reason:
        return None, reason

    _stop_abandoned_clusters(bindir, run_as)
    try:
        return _start_cluster(bindir, run_as), ""
    except (OSError, subprocess.CalledProcessError) as exc:
        return None, f"the throwaway PostgreSQL server did not start: {_describe(exc)}"


def find_bindir() -> Path | None:
    """Return the newest /usr/lib/postgresql/<version>/bin, or the folder of initdb on PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                        key=lambda p: _version(p.parent.name), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _service_user() -> tuple[str | None, str]:
    if os.geteuid() != 0:
        return None, ""
    if shutil.which("runuser") is None:
        return None, "running as root without runuser, so initdb cannot be started"
    try:
        import pwd
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return None, f"running as root and there is no '{SERVICE_USER}' user to run initdb as"
    return SERVICE_USER, ""


def _stop_abandoned_clusters(bindir: Path, run_as: str | None) -> None:
    """Stop clusters left by test runs that were killed before their teardown ran.

    Each cluster folder names the test process that started it; a cluster whose process
    is still running belongs to a run in progress and is left alone.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        owner = folder / OWNER_FILE
        if not owner.exists() or _process_alive(int(owner.read_text() or 0)):
            continue
        logger.warning("stopping PostgreSQL left behind in %s", folder)
        _run(bindir / "pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "-w", "stop",
             run_as=run_as, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0


def _start_cluster(bindir: Path, run_as: str | None) -> PostgresServer:
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    if run_as:
        shutil.chown(folder, user=run_as)
    data = folder / "data"
    try:
        _run(bindir / "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--no-locale", "--no-sync", run_as=run_as)
        port = _start_on_free_port(bindir, folder, run_as)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    logger.info("throwaway PostgreSQL started on 127.0.0.1:%s in %s", port, folder)
    return PostgresServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                          folder=folder, bindir=bindir, run_as=run_as)


def _start_on_free_port(bindir: Path, folder: Path, run_as: str | None, tries: int = 3) -> int:
    """Start the server; another process may take the probed port first, so try again."""
    for _ in range(tries - 1):
        try:
            return _start_on(_free_port(), bindir, folder, run_as)
        except subprocess.CalledProcessError as exc:
            logger.warning("PostgreSQL did not start, trying another port: %s", _describe(exc))
    return _start_on(_free_port(), bindir, folder, run_as)


def _start_on(port: int, bindir: Path, folder: Path, run_as: str | None) -> int:
    options = f"-h 127.0.0.1 -p {port} -k {folder} {SERVER_OPTIONS}"
    _run(bindir / "pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "server.log"),
         "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start", run_as=run_as)
    return port


def _run(program: Path, *args: str, run_as: str | None, check: bool = True) -> None:
    command = [str(program), *args]
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    subprocess.run(command, check=check, capture_output=True, text=True,
                   timeout=START_TIMEOUT_S + 10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _check_name(name: str) -> None:
    if not _DB_NAME.match(name):
        raise ValueError(f"unsafe database name {name!r}")


def _describe(exc: Exception) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        output = (exc.stderr or exc.stdout or "").strip().splitlines()
        return output[-1] if output else str(exc)
    return str(exc)
