"""The production files: the systemd unit starts the service as written, with deploy/env.example filled in.

The unit is read, not imitated: its ExecStart, WorkingDirectory,
EnvironmentFile, ExecReload and KillSignal drive the test, with the install
folder mapped to this checkout. The environment is the example file's and
nothing else, as under systemd; systemd's readiness socket is played by the test.
"""
from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.faults import GUNICORN, request
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "systemd" / "comments-web.service"
WORKER_UNIT = ROOT / "deploy" / "systemd" / "comments-worker.service"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
INSTALLED = "/srv/comments"  # where the unit expects the checkout
SETTING = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")


def unit_settings(path: Path) -> dict[str, dict[str, str]]:
    """Read a systemd unit: section -> key -> value (the last one, as systemd does for single-valued keys)."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None and key.strip() == key, line
        current[key] = value
    return sections


def env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """Read an EnvironmentFile: the settings it sets, and the names of those it shows commented out."""
    values: dict[str, str] = {}
    commented: set[str] = set()
    for line in path.read_text().splitlines():
        found = SETTING.match(line)
        if found and line.startswith("#"):
            commented.add(found.group(1))
        elif found:
            values[found.group(1)] = found.group(2)
        else:
            # Anything else must be a comment or blank: systemd would read "KEY = v" or "export K=v" otherwise.
            assert not line.strip() or line.startswith("#"), line
    return values, commented


def config_settings() -> set[str]:
    """Return every environment variable config.py reads (os.environ.get, os.environ[...], env_*)."""
    names = set()
    for node in ast.walk(ast.parse((ROOT / "config.py").read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "os.getenv") or func.startswith("env_"):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(ast.literal_eval(node.slice))
    return names


def readme_production_settings() -> set[str]:
    """Return the settings the README's production section names (its table and its commands)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", section, re.M)) | set(re.findall(r"^export ([A-Z][A-Z0-9_]*)=", section, re.M))


def test_env_example_shows_every_setting_config_py_reads_and_nothing_else():
    values, commented = env_file(ENV_EXAMPLE)
    assert not set(values) & commented
    assert set(values) | commented == config_settings()


def test_env_example_has_every_setting_the_readme_production_section_lists():
    values, commented = env_file(ENV_EXAMPLE)
    listed = readme_production_settings()
    assert len(listed) > 15
    assert listed <= set(values) | commented, listed - set(values) - commented


def test_env_example_refuses_to_start_until_a_secret_is_filled_in():
    values, _ = env_file(ENV_EXAMPLE)
    assert values["APP_ENV"] == "production" and values["SECRET_KEY"] == ""
    env = {"PATH": os.environ["PATH"], **values, "DATABASE_URL": "sqlite://", "REDIS_URL": ""}
    code = "import wsgi"
    started = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode != 0 and "SECRET_KEY" in started.stderr


def installed(path: str) -> str:
    """Map a path of the installed service to this checkout (and its virtualenv's gunicorn)."""
    if path == f"{INSTALLED}/.venv/bin/gunicorn":
        return str(GUNICORN)
    if path.startswith(f"{INSTALLED}/.venv/bin/"):
        return str(Path(sys.executable).parent / path.rsplit("/", 1)[1])
    return path.replace(INSTALLED, str(ROOT), 1)


@pytest.mark.parametrize("unit", [UNIT, WORKER_UNIT], ids=lambda path: path.name)
def test_systemd_accepts_the_unit(unit):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    text = unit.read_text()
    for word in set(re.findall(rf"{INSTALLED}/\.venv/bin/\w+", text)):
        text = text.replace(word, installed(word))
    text = text.replace(INSTALLED, str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / unit.name
        copy.write_text(text)
        checked = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    # Unknown or misspelt keys are only warnings: any output at all fails.
    assert checked.returncode == 0 and checked.stdout.strip() == "" and checked.stderr.strip() == "", checked


class NotifySocket:
    """What systemd listens on for Type=notify: a datagram socket whose path is NOTIFY_SOCKET."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="notify-")
        self.path = os.path.join(self.folder, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def wait_for(self, state: str, timeout: float) -> list[str]:
        """Return the messages received until one carries ``state`` (e.g. READY=1)."""
        messages = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                break
            if state in messages[-1].split("\n"):
                return messages
        raise AssertionError(f"no {state} from the service; got {messages}")

    def close(self) -> None:
        self.sock.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_the_service_starts_reloads_and_stops_as_the_unit_says(database_url):
    service = unit_settings(UNIT)["Service"]
    assert service["Type"] == "notify" and service["EnvironmentFile"] == "/etc/comments/env"
    command = [installed(word) for word in shlex.split(service["ExecStart"])]
    assert command[1:] == ["-c", "gunicorn.conf.py", "wsgi:app"]
    values, _ = env_file(ENV_EXAMPLE)
    port = free_port()
    filled = {"SECRET_KEY": "deploy-test-secret-key-0123456789-abcdefghij", "DATABASE_URL": database_url,
              "REDIS_URL": REDIS_URL, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    assert set(filled) <= set(values), "the test fills in only settings the example has"
    notify = NotifySocket()
    # Only what the environment file sets, as under systemd, and systemd's own NOTIFY_SOCKET.
    env = {"PATH": os.environ["PATH"], **values, **filled, "NOTIFY_SOCKET": notify.path}
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, cwd=installed(service["WorkingDirectory"]), env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        notify.wait_for("READY=1", timeout=60)
        # READY comes from the master: on a loaded machine a worker may still be booting.
        health = request(("127.0.0.1", port), "GET", "/healthz", timeout=60)
        assert health.status == 200 and health.body == {"status": "ok", "db": "ok", "redis": "ok", "streams": "shared"}, (
            health, os.pread(log.fileno(), 100000, 0).decode())
        workers = children(process.pid)
        reload = [word.replace("$MAINPID", str(process.pid)) for word in shlex.split(service["ExecReload"])]
        assert subprocess.run(reload, timeout=10).returncode == 0
        deadline = time.monotonic() + 60
        while (children(process.pid) & workers or len(children(process.pid)) < len(workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not children(process.pid) & workers, "the reload started no new workers"
        assert request(("127.0.0.1", port), "GET", "/healthz", timeout=60).status == 200
        process.send_signal(getattr(signal, service["KillSignal"]))
        assert process.wait(timeout=float(service["TimeoutStopSec"])) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        notify.close()
        log.seek(0)
        output = log.read()
    assert "Traceback" not in output, output


def test_the_worker_sends_mail_and_stops_as_its_unit_says(make_app, database_url, smtp):
    from comments_service import mail
    from comments_service.extensions import db

    service = unit_settings(WORKER_UNIT)["Service"]
    assert service["EnvironmentFile"] == unit_settings(UNIT)["Service"]["EnvironmentFile"]
    command = [installed(word) for word in shlex.split(service["ExecStart"])]
    assert command[1:] == ["--app", "wsgi", "worker"]
    values, names = env_file(ENV_EXAMPLE)
    filled = {"SECRET_KEY": "deploy-test-secret-key-0123456789-abcdefghij", "DATABASE_URL": database_url,
              "REDIS_URL": REDIS_URL, "SMTP_URL": smtp.url, "MAIL_FROM": "comments@blog.example"}
    assert set(filled) <= set(values) | names, "the test fills in only settings the example has"
    app = make_app(SMTP_URL=smtp.url, MAIL_FROM="comments@blog.example")
    with app.app_context():
        assert mail.queue(mail.compose("reader@example.org", "Hello", "text", "<p>html</p>"))
        db.session.commit()
    env = {"PATH": os.environ["PATH"], **values, **filled}
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, cwd=installed(service["WorkingDirectory"]), env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        received = smtp.wait_for(1, timeout=60)
        assert [m.message["Subject"] for m in received] == ["Hello"]
        process.send_signal(getattr(signal, service["KillSignal"]))
        assert process.wait(timeout=float(service["TimeoutStopSec"])) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
    assert "Traceback" not in output, output
