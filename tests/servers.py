"""Servers the tests and the bench start for themselves on spare loopback ports: redis-server and an SMTP server.

Never the machine's shared servers: these may be killed, paused and restarted.
"""
from __future__ import annotations

import email
import email.policy
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any, NamedTuple

import redis


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


class SmtpServer:
    """A private SMTP server (aiosmtpd) on a spare port that keeps every message it accepts; it can be down and up."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
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
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
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
