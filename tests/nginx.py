"""Debian's nginx in front of a test's server, running deploy/nginx/comments.conf itself.

The site file is the one operators install, changed only where a test must:
TLS becomes a plain listen on a spare loopback port, the upstream is the
test's server, logs go to the run's folder. Each change must match the file
exactly as often as expected, so the file cannot drift away from what is tested.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "comments.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# (text in the site file, its replacement, how many times it must occur)
# {port}, {redirect_port}, {upstream} and {logs} are filled in per run.
SUBSTITUTIONS = [
    ("    server 127.0.0.1:8000;\n", "    server {upstream};\n", 1),
    ("    listen 443 ssl http2;\n", "    listen 127.0.0.1:{port};\n", 1),
    ("    listen [::]:443 ssl http2;\n", "", 1),
    ("    listen 80;\n", "    listen 127.0.0.1:{redirect_port};\n", 1),
    ("    listen [::]:80;\n", "", 1),
    ("/var/log/nginx/", "{logs}/", 3),
]
MAIN = """\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/comments.conf;
}}
"""


def site_config(upstream: str, port: int, redirect_port: int, logs: str) -> str:
    """Return the site file made runnable: plain HTTP on ``port``, proxying to ``upstream``."""
    text = SITE.read_text()
    values = {"upstream": upstream, "port": port, "redirect_port": redirect_port, "logs": logs}
    for old, new, count in SUBSTITUTIONS:
        found = text.count(old)
        if found != count:
            raise AssertionError(f"{SITE.name}: {old.strip()!r} occurs {found} times, expected {count}")
        text = text.replace(old, new.format(**values))
    kept = [line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("ssl_")]
    if len(kept) == len(text.splitlines()):
        raise AssertionError(f"{SITE.name}: no ssl_ directive found")
    return "".join(kept)


class Nginx:
    """nginx, run in the foreground (``daemon off``) from a temporary prefix, in front of ``upstream``."""

    def __init__(self, upstream: str) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
        self.port = free_port()
        self.redirect_port = free_port()
        self.address = ("127.0.0.1", self.port)
        (self.prefix / "comments.conf").write_text(
            site_config(upstream, self.port, self.redirect_port, str(self.prefix)))
        # As root, nginx's workers would switch to "nobody", who may not write the temporary prefix.
        user = "user root;" if os.geteuid() == 0 else ""
        (self.prefix / "nginx.conf").write_text(MAIN.format(prefix=self.prefix, user=user))
        self.command = [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                        "-e", str(self.prefix / "error.log")]
        checked = subprocess.run([*self.command, "-t"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError("nginx -t failed: " + checked.stderr)
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(self.address, timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + self.error_log())

    def error_log(self) -> str:
        """Return what nginx wrote to its error logs (the main one and the site's)."""
        paths = [self.prefix / "error.log", self.prefix / "comments.error.log"]
        return "".join(path.read_text() for path in paths if path.exists())

    def stop(self) -> None:
        """Stop nginx (TERM: fast shutdown) and remove its prefix."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)
