"""An event-stream reader for tests: opens a stream over HTTP and parses what arrives, as EventSource would."""
from __future__ import annotations

import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Frame:
    """One block of the stream: an event (``name`` and ``data``), or comment lines only, or an id alone."""

    id: str | None = None
    name: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.data or "null")


class Stream:
    """``GET path`` on ``address`` with raw sockets; frames arrive in a queue as they are read."""

    def __init__(self, address: tuple[str, int], path: str, headers: dict[str, str] | None = None,
                 host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection(address, timeout=30)
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.frames: queue.Queue[Frame | None] = queue.Queue()
        self.status = 0
        self.headers: dict[str, str] = {}
        self.head = threading.Event()
        self.raw = b""
        threading.Thread(target=self._read, daemon=True).start()
        if not self.head.wait(10):
            raise AssertionError("no answer to " + path)

    def _read(self) -> None:
        buffer = b""
        try:
            while b"\r\n\r\n" not in buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            self.status = int(lines[0].split()[1])
            self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            self.head.set()
            chunked = self.headers.get("transfer-encoding", "") == "chunked"
            body = b""
            while True:
                body += self._dechunk(buffer) if chunked else buffer
                buffer = b""
                while b"\n\n" in body:
                    block, _, body = body.partition(b"\n\n")
                    self.raw += block + b"\n\n"
                    self.frames.put(parse(block.decode()))
                if self.ended:
                    return
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                buffer = chunk
        except OSError:
            return
        finally:
            self.head.set()
            self.frames.put(None)

    _pending = b""
    ended = False  # the last chunk came: the answer is complete

    def _dechunk(self, data: bytes) -> bytes:
        # Chunked transfer coding, read as it comes: sizes and payloads may be split anywhere.
        self._pending += data
        out = b""
        while True:
            size_line, sep, rest = self._pending.partition(b"\r\n")
            if not sep:
                return out
            size = int(size_line.split(b";")[0] or b"0", 16)
            if len(rest) < size + 2:
                return out
            out += rest[:size]
            self._pending = rest[size + 2:]
            if size == 0:
                self.ended = True
                return out

    def opening(self) -> str:
        """Read the stream's first two blocks (``retry:``, then the ``id:`` it starts at); return that id."""
        retry = self.next(skip_comments=False)
        assert retry.retry and retry.name is None, retry
        start = self.next(skip_comments=False)
        assert start.id is not None and start.name is None, start
        return start.id

    def next(self, timeout: float = 5.0, skip_comments: bool = True) -> Frame:
        """Return the next frame (events only, unless ``skip_comments`` is off); fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = self.frames.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"nothing within {timeout} s; so far: {self.raw[-500:]!r}") from None
            if frame is None:
                raise AssertionError(f"the stream ended; it sent: {self.raw[-500:]!r}")
            if skip_comments and frame.name is None and frame.data is None:
                continue
            return frame

    def event(self, name: str, timeout: float = 5.0) -> Frame:
        """Return the next event called ``name``, skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next(max(deadline - time.monotonic(), 0.01))
            if frame.name == name:
                return frame

    def quiet(self, seconds: float) -> list[Frame]:
        """Return the events that arrive within ``seconds`` (comment lines left out)."""
        found, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.frames.get(timeout=left)
            except queue.Empty:
                break
            if frame is None:
                break
            if frame.name is not None or frame.data is not None:
                found.append(frame)
        return found

    def ends_within(self, seconds: float) -> bool:
        """Tell whether the answer ends (or the connection closes) within ``seconds``, whatever arrives before."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                if self.frames.get(timeout=left) is None:
                    return True
            except queue.Empty:
                return False
        return False

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def parse(block: str) -> Frame:
    """Parse one event-stream block (the lines before a blank line)."""
    frame = Frame(at=time.monotonic())
    data: list[str] = []
    for line in block.split("\n"):
        if line.startswith(":"):
            frame.comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            frame.id = value
        elif name == "event":
            frame.name = value
        elif name == "data":
            data.append(value)
        elif name == "retry":
            frame.retry = int(value)
    if data:
        frame.data = "\n".join(data)
    if frame.name is None and frame.data is not None:
        frame.name = "message"
    return frame
