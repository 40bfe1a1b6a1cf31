"""The edge of the world for delivery tests: a Redis server, a Celery worker and an SMTP sink we run ourselves."""

import email
import email.policy
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    """Poll until the condition holds or the time is up; say which."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def database_url(settings_dict: dict) -> str:
    """The URL of the database a test runs on, for a worker in another process."""
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password)}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


# --- SMTP -----------------------------------------------------------------------------------------


@dataclass
class ReceivedEmail:
    recipients: list[str]
    subject: str
    body: str
    received_at: float  # time.time() when the sink accepted the message


@dataclass
class SmtpSink:
    """A tiny SMTP server that keeps every message; it can hold new connections before greeting them."""

    messages: list[ReceivedEmail] = field(default_factory=list)
    held: int = 0
    _holding: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> "SmtpSink":
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 120

            def handle(self) -> None:
                try:
                    sink._converse(self.rfile, self.wfile)
                except OSError:
                    pass  # the client went away (a killed worker): nothing was delivered

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def hold(self) -> None:
        """Leave new connections waiting for the greeting, as a stuck mail server would."""
        self._holding.set()

    def release(self) -> None:
        self._holding.clear()

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def received(self) -> list[ReceivedEmail]:
        with self._lock:
            return list(self.messages)

    def _converse(self, rfile, wfile) -> None:
        if self._holding.is_set():
            with self._lock:
                self.held += 1
            while self._holding.is_set():
                time.sleep(0.05)
        wfile.write(b"220 sink ESMTP\r\n")
        recipients: list[str] = []
        while True:
            line = rfile.readline()
            if not line:
                return
            command = line[:4].upper()
            if command == b"EHLO":
                wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif command == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                wfile.write(b"250 OK\r\n")
            elif command == b"DATA":
                wfile.write(b"354 go ahead\r\n")
                data = self._read_data(rfile)
                message = email.message_from_bytes(data, policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                with self._lock:
                    self.messages.append(
                        ReceivedEmail(
                            recipients=recipients,
                            subject=str(message["Subject"]),
                            body=body.get_content() if body is not None else "",
                            received_at=time.time(),
                        )
                    )
                recipients = []
                wfile.write(b"250 OK queued\r\n")
            elif command == b"QUIT":
                wfile.write(b"221 bye\r\n")
                return
            elif command in {b"HELO", b"MAIL", b"RSET", b"NOOP"}:
                if command == b"RSET":
                    recipients = []
                wfile.write(b"250 OK\r\n")
            else:
                wfile.write(b"502 not here\r\n")

    @staticmethod
    def _read_data(rfile) -> bytes:
        lines = []
        while True:
            line = rfile.readline()
            if not line or line == b".\r\n":
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)


# --- Redis ----------------------------------------------------------------------------------------


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


class RedisServer:
    """A redis-server of our own on a fixed port, that a test may stop and start again."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.port = port or free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        log = open(self.workdir / f"redis-{self.port}.log", "ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if not wait_until(self.answers, timeout=10):
            self.stop()
            raise RuntimeError(f"redis-server did not answer on port {self.port}")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process, grace=5)
        self.process = None
        wait_until(lambda: not self.answers(), timeout=5)


# --- Celery ---------------------------------------------------------------------------------------


def stop_process(process: subprocess.Popen, *, grace: float) -> None:
    """Stop a process and everything it started: politely, then for good."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        kill_group(process)


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class CeleryWorker:
    """`celery -A config worker` in its own process group, with beat inside it when asked."""

    def __init__(self, *, env: dict[str, str], workdir: Path, beat: bool = True):
        self.env = env
        self.workdir = workdir
        self.beat = beat
        self.name = f"notifications-{uuid.uuid4().hex[:8]}"
        self.log_path = workdir / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, ready_timeout: float = 60) -> "CeleryWorker":
        command = [str(CELERY), "-A", "config", "worker", "-P", "prefork", "-c", "1"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        command += ["-n", f"{self.name}@%h"]
        if self.beat:
            command += ["-B", "-s", str(self.workdir / f"{self.name}-beat-schedule")]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        if not wait_until(lambda: " ready." in self.log() or self.process.poll() is not None, timeout=ready_timeout):
            self.stop()
            raise RuntimeError(f"the Celery worker did not start:\n{self.log()[-3000:]}")
        if self.process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{self.log()[-3000:]}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def finished(self, task: str) -> int:
        """How many runs of the task (its dotted name) this worker has finished, by its log."""
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] (?:succeeded|raised|retry)", self.log()))

    def runs_more(self, task: str, *, times: int, timeout: float = 30) -> bool:
        """Wait until the worker has finished the task `times` more times from now; say whether it did."""
        done = self.finished(task)
        return wait_until(lambda: self.finished(task) >= done + times, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the worker and its pool and beat processes, as a crashed machine would."""
        if self.process is not None:
            kill_group(self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, grace=10)


class CeleryBeat:
    """`celery -A config beat` on its own, in its own process group, with a schedule file of its own."""

    def __init__(self, *, env: dict[str, str], workdir: Path):
        self.env = env
        self.workdir = workdir
        self.name = f"beat-{uuid.uuid4().hex[:8]}"
        self.log_path = workdir / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, ready_timeout: float = 60) -> "CeleryBeat":
        command = [str(CELERY), "-A", "config", "beat", "--loglevel=INFO", "--max-interval", "1"]
        command += ["-s", str(self.workdir / f"{self.name}-schedule")]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        if not wait_until(
            lambda: "beat: Starting" in self.log() or self.process.poll() is not None, timeout=ready_timeout
        ):
            self.stop()
            raise RuntimeError(f"celery beat did not start:\n{self.log()[-3000:]}")
        if self.process.poll() is not None:
            raise RuntimeError(f"celery beat exited:\n{self.log()[-3000:]}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, grace=10)


def worker_env(*, database_url: str, broker_url: str, email_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "NOTIFICATION_", "CELERY_")) and key not in {"DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL=broker_url,
        EMAIL_URL=email_url,
        DEBUG="1",
        LOG_LEVEL="INFO",
        # Short enough that a test sees the sweep work in seconds.
        NOTIFICATION_PENDING_GRACE_SECONDS="2",
        NOTIFICATION_REQUEUE_INTERVAL_SECONDS="1",
        NOTIFICATION_CLAIM_TTL_SECONDS="12",
        NOTIFICATION_BROKER_BACKOFF_SECONDS="1",
    )
    env.update(extra)
    return env
