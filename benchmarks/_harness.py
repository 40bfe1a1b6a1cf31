"""Process helpers for the benchmarks: a private PostgreSQL cluster, Redis, gunicorn, Celery and an SMTP sink.

Every process started here is started in its own session and remembered, so `Services.stop_all` can end
each one by its own process group, on success, on error and on Ctrl-C alike.
"""

import os
import re
import signal
import socket
import socketserver
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"


def free_port() -> int:
    """Return a loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "a condition") -> float:
    """Poll until the predicate holds; return the seconds it took, or raise TimeoutError."""
    started = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - started
        except Exception:  # noqa: BLE001, S110 - a probe that raises simply has not succeeded yet
            pass
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"Gave up waiting {timeout:.0f} s for {what}.")
        time.sleep(interval)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a short command to completion, raising with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


# --- a page against its own SQL -----------------------------------------------------------------


def execution_ms(plan: str) -> float:
    """PostgreSQL's own execution time from an EXPLAIN ANALYZE's text."""
    return float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))


def page_against_sql(client, path: str, raw: psycopg.Connection, repetitions: int):
    """A page's median render through Django's test client, its statements' median run alone on `raw`, and the
    EXPLAIN (ANALYZE, BUFFERS) of its slowest statement: (response, page ms, SQL ms, (slowest ms, plan), statements).

    The first render, whose statements are captured, warms the caches; renders and SQL runs then alternate, so
    a busy machine weighs on both alike. Call it in a process where Django is set up.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    statements = [query["sql"] for query in captured.captured_queries]
    renders, sql = [], []
    for _ in range(repetitions):
        started = time.perf_counter()
        client.get(path)
        renders.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for statement in statements:
            raw.execute(statement.encode()).fetchall()
        sql.append((time.perf_counter() - started) * 1000)
    timed = [(0.0, "(no statement)")]
    for statement in statements:
        plan = "\n".join(row[0] for row in raw.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + statement.encode()).fetchall())
        timed.append((execution_ms(plan), plan))
    return response, statistics.median(renders), statistics.median(sql), max(timed), len(statements)


# --- PostgreSQL: a cluster of its own -----------------------------------------------------------


@dataclass
class PostgresCluster:
    """A Debian pg_createcluster cluster used only by the benchmarks, with trust auth on loopback."""

    name: str = "loadtest"
    version: str = ""
    port: int = 0
    started_by_us: bool = False

    def __post_init__(self) -> None:
        if not self.version:
            versions = sorted((p.name for p in Path("/etc/postgresql").iterdir() if p.name.isdigit()), key=int)
            if not versions:
                raise RuntimeError("No PostgreSQL installation under /etc/postgresql.")
            self.version = versions[-1]

    @property
    def conf_dir(self) -> Path:
        return Path("/etc/postgresql") / self.version / self.name

    def _configured_port(self) -> int:
        text = (self.conf_dir / "postgresql.conf").read_text()
        match = re.search(r"^\s*port\s*=\s*(\d+)", text, re.MULTILINE)
        if not match:
            raise RuntimeError(f"No port in {self.conf_dir / 'postgresql.conf'}.")
        return int(match.group(1))

    def _running(self) -> bool:
        result = subprocess.run(
            ["pg_ctlcluster", self.version, self.name, "status"], capture_output=True, text=True, check=False
        )
        return result.returncode == 0

    def ensure_started(self) -> None:
        """Create the cluster the first time, trust loopback connections, and start it."""
        if not self.conf_dir.exists():
            port = free_port()
            run(
                [
                    "pg_createcluster",
                    self.version,
                    self.name,
                    "--port",
                    str(port),
                    "-o",
                    "max_connections=200",
                ]
            )
            # Written as a file: pg_createcluster's -o quotes values differently from one release to the next.
            (self.conf_dir / "conf.d").mkdir(exist_ok=True)
            (self.conf_dir / "conf.d" / "benchmarks.conf").write_text("listen_addresses = '127.0.0.1'\n")
        hba = self.conf_dir / "pg_hba.conf"
        trust = "host all all 127.0.0.1/32 trust  # benchmarks: loopback only\n"
        text = hba.read_text()
        if trust not in text:
            hba.write_text(trust + text)
        self.port = self._configured_port()
        if self._running():
            run(["pg_ctlcluster", self.version, self.name, "reload"])
        else:
            if port_open(self.port):
                raise RuntimeError(f"Port {self.port} of cluster {self.name} is taken by another program.")
            run(["pg_ctlcluster", self.version, self.name, "start"])
            self.started_by_us = True
        wait_until(lambda: self._connect("postgres").close() is None, 30, what="PostgreSQL to accept connections")

    def _connect(self, dbname: str) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True, connect_timeout=2
        )

    def recreate_database(self, dbname: str) -> str:
        """Drop and create an empty database; return its DATABASE_URL."""
        with self._connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def restart(self) -> None:
        run(["pg_ctlcluster", self.version, self.name, "restart"])

    def stop(self) -> None:
        if self.started_by_us or self._running():
            subprocess.run(["pg_ctlcluster", self.version, self.name, "stop"], capture_output=True, check=False)


# --- child processes ----------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Services:
    """The benchmark's own processes; each lives in its own process group and is ended by that group id."""

    rundir: Path
    env: dict = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    postgres: PostgresCluster | None = None
    smtp: "SmtpSink | None" = None

    def spawn(self, name: str, command: list[str]) -> Child:
        log = self.rundir / f"{name}.log"
        handle = open(log, "ab")  # noqa: SIM115 - the child keeps writing to it after this returns
        popen = subprocess.Popen(
            command,
            cwd=REPO,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        handle.close()
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def end(self, child: Child, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """End one child and everything in its process group."""
        if child.popen.poll() is None:
            try:
                os.killpg(child.popen.pid, sig)
            except ProcessLookupError:
                pass
            try:
                child.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.popen.wait(timeout=5)
        # Pool processes may outlive their parent for a moment; the group id still names only them.
        try:
            os.killpg(child.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if child in self.children:
            self.children.remove(child)

    def stop_all(self) -> None:
        for child in reversed(list(self.children)):
            self.end(child)
        if self.smtp is not None:
            self.smtp.stop()
        if self.postgres is not None:
            self.postgres.stop()

    # --- the services themselves ---

    def start_redis(self, port: int) -> Child:
        child = self.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.rundir),
                "--protected-mode",
                "yes",
            ],
        )
        wait_until(lambda: port_open(port), 10, what="Redis to listen")
        return child

    def manage(self, *args: str) -> None:
        run([str(VENV_BIN / "python"), "manage.py", *args], cwd=REPO, env=self.env)

    def start_gunicorn(self, port: int, workers: int) -> Child:
        child = self.spawn(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                str(self.rundir / "access.log"),
            ],
        )
        wait_until(lambda: port_open(port), 30, what="gunicorn to listen")
        return child

    def start_worker(self, name: str, concurrency: int) -> Child:
        return self.spawn(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_beat(self) -> Child:
        return self.spawn(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.rundir / 'beat-schedule'}",
            ],
        )


# --- an SMTP sink that counts what the desk really sends ----------------------------------------


@dataclass
class ReceivedMail:
    at: float
    recipients: list[str]
    data: bytes


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self._reply("220 benchmark sink ESMTP")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            command = line.decode("latin-1").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self._reply("250-benchmark sink\r\n250-8BITMIME\r\n250 SIZE 52428800")
            elif verb == "HELO":
                self._reply("250 benchmark sink")
            elif verb == "MAIL":
                recipients = []
                # A mail server that takes its time keeps the worker inside its send, where a crash hurts.
                time.sleep(sink.delay)
                self._reply("250 OK")
            elif verb == "RCPT":
                match = re.search(r"<([^>]*)>", command)
                recipients.append(match.group(1) if match else command[8:].strip())
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    data_line = self.rfile.readline(1 << 20)
                    if not data_line or data_line in (b".\r\n", b".\n"):
                        break
                    chunks.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                sink.received(ReceivedMail(time.monotonic(), list(recipients), b"".join(chunks)))
                recipients = []
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                recipients = [] if verb == "RSET" else recipients
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """A loopback SMTP server in a thread of this process; it keeps every message it accepts."""

    def __init__(self, port: int, delay: float = 0.0) -> None:
        self.port = port
        self.delay = delay
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._server = _ThreadingServer(("127.0.0.1", port), _SmtpHandler)
        self._server.sink = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="smtp-sink", daemon=True)
        self._thread.start()

    def received(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)

    def snapshot(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self.messages)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def install_signal_handlers() -> None:
    """Turn SIGTERM, SIGHUP and SIGINT into exceptions so the caller's finally block ends every child."""

    def _exit(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)
    # A shell that starts the script in the background ignores Ctrl-C for it; take it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
