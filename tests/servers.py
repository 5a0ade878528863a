"""Servers the tests and the bench start for themselves on spare loopback ports: redis-server, PgBouncer, Sentinel, SMTP.

Never the machine's shared servers: these may be killed, paused and restarted.
"""
from __future__ import annotations

import configparser
import email
import email.policy
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a loopback port that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Envelope(NamedTuple):
    """A message as an SMTP server received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage


class RedisServer:
    """A private redis-server on a spare port, which its owner may kill, freeze (SIGSTOP) and start again."""

    def __init__(self, port: int | None = None, args: Sequence[str] = ()) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """Return a client of this server."""
        return redis.Redis(port=self.port)

    def start(self) -> RedisServer:
        """Start the server (again, on the same port) and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make system-deps)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *self.args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        probe = self.client()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                probe.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections hang, the data stays, as in a partition."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Thaw a frozen server."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Stop the server cleanly."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


class PgBouncer:
    """A private PgBouncer, configured as deploy/pgbouncer.ini says (transaction pooling), for one PostgreSQL.

    Only what a test run needs differs from the operator's example: a spare
    port, files in a temporary directory, every database name routed to the
    given server, and trust authentication for the user ``postgres``.
    """

    def __init__(self, server_host: str = "127.0.0.1", server_port: int = 5432, **settings: str) -> None:
        self.server = (server_host, server_port)
        self.port = free_port()
        self.settings = settings
        self.directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database_url: str) -> str:
        """Return ``database_url`` (a URL of the server) rewritten to go through this PgBouncer."""
        parts = urlsplit(database_url)
        user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{self.port}"))

    def config(self) -> configparser.ConfigParser:
        """Return the configuration: deploy/pgbouncer.ini with a test run's paths, port, routing and auth."""
        parser = configparser.ConfigParser(inline_comment_prefixes=(";",), comment_prefixes=(";", "#"),
                                           interpolation=None)
        parser.read(ROOT / "deploy" / "pgbouncer.ini")
        host, port = self.server
        parser["databases"] = {"*": f"host={host} port={port}"}
        parser["pgbouncer"].update({
            "listen_addr": "127.0.0.1", "listen_port": str(self.port), "unix_socket_dir": str(self.directory),
            "logfile": str(self.directory / "pgbouncer.log"), "pidfile": str(self.directory / "pgbouncer.pid"),
            "auth_type": "trust", "auth_file": str(self.directory / "userlist.txt"), **self.settings,
        })
        return parser

    def start(self) -> PgBouncer:
        """Write the configuration, start PgBouncer and wait until it accepts connections."""
        binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (make system-deps)")
        (self.directory / "userlist.txt").write_text('"postgres" ""\n')
        with open(self.directory / "pgbouncer.ini", "w") as out:
            self.config().write(out)
        command = [binary, str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            account = pwd.getpwnam("postgres")
            for path in [self.directory, *self.directory.iterdir()]:
                os.chown(path, account.pw_uid, account.pw_gid)
            command[1:1] = ["-u", "postgres"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self.process, "pgbouncer")
        return self

    def log(self) -> str:
        """Return what PgBouncer logged so far."""
        path = self.directory / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        """Stop PgBouncer at once (SIGTERM) and remove its directory."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


class RedisSentinel:
    """A primary redis-server, one replica of it and a redis-sentinel watching them, on spare ports.

    The sentinel marks the primary down after ``down_after_ms`` without an
    answer and promotes the replica. ``start(replicate_through=port)`` makes
    the replica follow the primary through another port (a proxy the test can
    cut, so that the replica misses writes).
    """

    MASTER = "fleet"

    def __init__(self, down_after_ms: int = 500, failover_timeout_ms: int = 2000) -> None:
        self.primary = RedisServer()
        self.replica = RedisServer()
        self.port = free_port()
        self.down_after_ms = down_after_ms
        self.failover_timeout_ms = failover_timeout_ms
        self.directory = Path(tempfile.mkdtemp(prefix="sentinel-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """Return the service's settings for this Redis (and no REDIS_URL)."""
        return {"REDIS_URL": "", "REDIS_SENTINELS": f"127.0.0.1:{self.port}", "REDIS_SENTINEL_MASTER": self.MASTER}

    def sentinel(self) -> redis.Redis:
        """Return a client of the sentinel itself."""
        return redis.Redis(port=self.port, socket_timeout=2)

    def master_port(self) -> int | None:
        """Return the port the sentinel names as the master's now."""
        found = self.sentinel().sentinel_get_master_addr_by_name(self.MASTER)
        return int(found[1]) if found else None

    def start(self, replicate_through: int | None = None) -> RedisSentinel:
        """Start the primary, the replica and the sentinel; wait until the sentinel knows the replica."""
        binary = shutil.which("redis-sentinel")
        if binary is None:
            raise RuntimeError("redis-sentinel is not installed (make system-deps)")
        self.primary.start()
        self.replica.args = ["--replicaof", "127.0.0.1", str(replicate_through or self.primary.port)]
        self.replica.start()
        config = self.directory / "sentinel.conf"
        config.write_text("\n".join([
            f"port {self.port}", "bind 127.0.0.1", f"dir {self.directory}", "sentinel resolve-hostnames no",
            f"sentinel monitor {self.MASTER} 127.0.0.1 {self.primary.port} 1",
            f"sentinel down-after-milliseconds {self.MASTER} {self.down_after_ms}",
            f"sentinel failover-timeout {self.MASTER} {self.failover_timeout_ms}",
            f"sentinel parallel-syncs {self.MASTER} 1", "",
        ]))
        log = open(self.directory / "sentinel.log", "wb")
        self.process = subprocess.Popen([binary, str(config)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_for_port(self.port, self.process, "redis-sentinel")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            replicas = self.sentinel().sentinel_slaves(self.MASTER)
            if any(r["port"] == self.replica.port and r["master-link-status"] == "ok" for r in replicas):
                return self
            time.sleep(0.1)
        raise RuntimeError("the sentinel did not see the replica: " + self.log())

    def wait_for_failover(self, timeout: float = 30) -> float:
        """Wait until the sentinel names the replica as master and it answers as one; return the seconds."""
        started = time.monotonic()
        while time.monotonic() < started + timeout:
            if self.master_port() == self.replica.port and self.replica.client().info("replication")["role"] == "master":
                return time.monotonic() - started
            time.sleep(0.02)
        raise RuntimeError("no failover: " + self.log())

    def log(self) -> str:
        """Return what the sentinel logged."""
        path = self.directory / "sentinel.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop the sentinel and both servers, and remove the sentinel's directory."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.primary.kill()
        self.replica.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


class SmtpServer:
    """A private SMTP server (aiosmtpd) on a spare port that keeps every message it accepts; it can be down and up.

    ``refuse`` maps an address to the answer its RCPT gets instead of 250 (``"550 5.1.1 no such user"``,
    ``"451 4.3.0 try later"``); ``refuse_data`` likewise answers DATA for a message to that address.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.refuse: dict[str, str] = {}
        self.refuse_data: dict[str, str] = {}
        self.messages: list[Envelope] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.controller: Any = None

    @property
    def url(self) -> str:
        """Return the SMTP_URL of this server."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        """Start listening (again, on the same port)."""
        from aiosmtpd.controller import Controller

        server = self

        class Keep:
            async def handle_RCPT(self, smtp: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                                  options: list[str]) -> str:
                if address in server.refuse:
                    return server.refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
                for address in envelope.rcpt_tos:
                    if address in server.refuse_data:
                        return server.refuse_data[address]
                with server.arrived:
                    server.messages.append(Envelope(
                        envelope.mail_from, list(envelope.rcpt_tos),
                        email.message_from_bytes(envelope.original_content, policy=email.policy.default)))
                    server.arrived.notify_all()
                return "250 OK"

        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until start."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 30) -> list[Envelope]:
        """Wait until ``count`` messages arrived (an upper bound, never a measured time); return them all."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)
