"""A real Isso server, for the import test and the benchmark: its own virtualenv, a config file, its HTTP API.

The virtualenv (``.venv-isso`` at the project root, git-ignored) is made on
first use with the pinned Isso from PyPI (``bench/requirements-isso.txt``) and
reused afterwards; Isso never enters the service's own virtualenv.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-isso"
ISSO_VERSION = "0.14.0"
REQUIREMENTS = Path(__file__).resolve().parent / "requirements-isso.txt"
INSTALL_TIMEOUT = 600
START_TIMEOUT = 30
REQUEST_TIMEOUT = 10


class IssoError(RuntimeError):
    """Isso could not be installed, started or used; the message says what went wrong."""


def _run(args: list[str], timeout: int) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise IssoError(f"{' '.join(args)} took longer than {timeout} s") from None
    if done.returncode != 0:
        raise IssoError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def ensure_isso() -> Path:
    """Return the isso executable, installing Isso into its own virtualenv when needed."""
    isso = VENV / "bin" / "isso"
    python = VENV / "bin" / "python"
    if isso.exists():
        probe = subprocess.run([str(python), "-c", "import isso; print(isso.__version__)"],
                               capture_output=True, text=True, timeout=60)
        if probe.stdout.strip() == ISSO_VERSION:
            return isso
    _run([sys.executable, "-m", "venv", "--clear", str(VENV)], timeout=120)
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"isso=={ISSO_VERSION}"],
         timeout=INSTALL_TIMEOUT)
    if not isso.exists():
        raise IssoError(f"pip installed isso=={ISSO_VERSION} but {isso} is missing")
    return isso


def ensure_gunicorn() -> Path:
    """Return the Python of Isso's virtualenv, with the pinned gunicorn installed beside Isso."""
    ensure_isso()
    python = VENV / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import gunicorn"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
             timeout=INSTALL_TIMEOUT)
    return python


class IssoServer:
    """An Isso process with moderation on, driven through its public HTTP API."""

    def __init__(self, workdir: Path, moderation: bool = True) -> None:
        self.workdir = workdir
        self.moderation = moderation
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = workdir / "isso-comments.db"
        self.log_path = workdir / "isso.log"
        self.config = workdir / "isso.cfg"
        self.process: subprocess.Popen[bytes] | None = None
        self.cookies: dict[int, str] = {}

    def write_config(self) -> None:
        """Write Isso's config file (also read by ``isso.run`` under gunicorn, through ISSO_SETTINGS)."""
        # Guard off: every request comes from 127.0.0.1 and its rate limits would refuse the script.
        # trusted-proxies lets X-Forwarded-For stand for distinct voters.
        self.config.write_text(
            "[general]\n"
            f"dbpath = {self.db_path}\n"
            f"host = {self.url}/\n"
            "max-age = 1h\n"
            "notify = stdout\n"
            f"log-file = {self.log_path}\n"
            "[server]\n"
            f"listen = {self.url}/\n"
            "trusted-proxies = 127.0.0.1\n"
            "[moderation]\n"
            f"enabled = {'true' if self.moderation else 'false'}\n"
            "[guard]\n"
            "enabled = false\n",
            encoding="utf-8",
        )

    def start(self) -> None:
        """Write the config, start Isso's own server and wait until it answers."""
        self.write_config()
        isso = ensure_isso()
        output = open(self.workdir / "isso.out", "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen([str(isso), "-c", str(self.config), "run"], stdout=output,
                                        stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise IssoError(f"isso exited with {self.process.returncode}:\n{self._output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/config", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise IssoError(f"isso did not answer on {self.url} within {START_TIMEOUT} s:\n{self._output()}")

    def stop(self) -> None:
        """Stop the Isso process."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def _output(self) -> str:
        parts = []
        for path in (self.workdir / "isso.out", self.log_path):
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        """Call Isso's API; return the decoded JSON answer (or the text)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                raw = response.read().decode()
                for header in response.headers.get_all("Set-Cookie") or []:
                    match = re.match(r"(\d+)=([^;]+)", header)
                    if match:
                        self.cookies[int(match.group(1))] = match.group(2)
        except urllib.error.HTTPError as error:
            raise IssoError(f"{method} {path} -> {error.code}: {error.read().decode(errors='replace')[:500]}") from None
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def comment(self, uri: str, title: str, text: str, author: str, email: str | None = None,
                website: str | None = None, parent: int | None = None, voter: str = "198.51.100.1") -> dict[str, Any]:
        """Post a comment the way Isso's embed does; return Isso's answer."""
        body = {"text": text, "author": author, "email": email, "website": website, "parent": parent, "title": title}
        return self.request("POST", f"/new?uri={uri}", body, {"X-Forwarded-For": voter})

    def like(self, comment_id: int, voter: str, up: bool = True) -> dict[str, Any]:
        """Vote on a comment from the address ``voter`` (Isso allows one vote per /24)."""
        return self.request("POST", f"/id/{comment_id}/{'like' if up else 'dislike'}", {}, {"X-Forwarded-For": voter})

    def _moderation_key(self, comment_id: int, action: str) -> str:
        # Isso's notifier logs each comment's moderation links, as it would e-mail them.
        pattern = re.compile(rf"/id/{comment_id}/{action}/(\S+)")
        keys = pattern.findall(self.log_path.read_text(errors="replace")) if self.log_path.exists() else []
        if not keys:
            raise IssoError(f"no {action} link for comment {comment_id} in Isso's log:\n{self._output()}")
        return keys[-1]

    def activate(self, comment_id: int) -> None:
        """Approve a comment waiting for moderation, through Isso's moderation link."""
        self.request("POST", f"/id/{comment_id}/activate/{self._moderation_key(comment_id, 'activate')}")

    def moderator_delete(self, comment_id: int) -> None:
        """Delete a comment through Isso's moderation link."""
        self.request("POST", f"/id/{comment_id}/delete/{self._moderation_key(comment_id, 'delete')}")

    def thread(self, uri: str) -> dict[str, Any]:
        """Read a thread as Isso's embed does."""
        return self.request("GET", f"/?uri={uri}&plain=0")

    def counts(self, uris: list[str]) -> list[int]:
        """Read comment counts as Isso's count script does."""
        return self.request("POST", "/count", uris)
