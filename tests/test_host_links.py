"""Host header trust: no absolute link the service builds ever names a host a client made up.

Every way a client can name a host (Host, with a port, with junk around it,
X-Forwarded-Host with and without a trusted proxy, RFC 7239 Forwarded, an
absolute URI on the request line) is tried on every answer that carries
links: the demo page, both feeds, embed.js, the OpenAPI document, redirects
and the moderation webhook. With PUBLIC_URL the links use it; with
TRUSTED_HOSTS another host gets 400 JSON; production without either refuses
to start.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from comments_service import create_app, jobs_worker
from tests.faults import ROOT, Gunicorn
from tests.helpers import approved_comment, publish
from tests.test_faults import service_env
from tests.test_webhook import Hook

PUBLIC = "https://talk.example"
OURS = "talk.example"
EVIL = "evil.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "host-test-secret-key-0123456789-abcdefghij"
# Absolute URLs an answer may carry that are not the service's own: the blog's posts, XML namespaces,
# and the examples in embed.js's comments and hints (a static file: nothing in it is built per request).
FOREIGN = ("https://blog.example/", "http://www.w3.org/", "https://comments.example", "https://...")
URL = re.compile(r"""https?://[^\s"'<>\\]+""")

# (name, path prefix or None, headers): the ways a client can name a host.
ATTACKS: list[tuple[str, str | None, dict[str, str]]] = [
    ("host", None, {"Host": EVIL}),
    ("host-with-port", None, {"Host": f"{EVIL}:8443"}),
    ("host-with-default-port", None, {"Host": f"{EVIL}:80"}),
    ("host-upper-case", None, {"Host": EVIL.upper()}),
    ("host-subdomain-of-ours", None, {"Host": f"{OURS}.{EVIL}"}),
    ("host-userinfo", None, {"Host": f"{OURS}@{EVIL}"}),
    ("host-with-path", None, {"Host": f"{EVIL}/{OURS}"}),
    ("x-forwarded-host", None, {"Host": OURS, "X-Forwarded-Host": EVIL}),
    ("x-forwarded-host-with-port", None, {"Host": OURS, "X-Forwarded-Host": f"{EVIL}:443"}),
    ("x-forwarded-host-list", None, {"Host": OURS, "X-Forwarded-Host": f"{OURS}, {EVIL}"}),
    ("x-forwarded-host-and-proto", None, {"Host": OURS, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}),
    ("forwarded-rfc7239", None, {"Host": OURS, "Forwarded": f"host={EVIL};proto=https"}),
    ("other-host-headers", None, {"Host": OURS, "X-Host": EVIL, "X-Original-Host": EVIL, "X-Forwarded-Server": EVIL}),
    ("absolute-uri", f"http://{EVIL}", {}),
    ("absolute-uri-with-port", f"https://{EVIL}:8443", {}),
]
# Every answer that carries an absolute link, or could (a redirect, the API's document).
PAGES = ["/demo", "/feeds/comments.atom", "/feeds/posts/hello/comments.atom", "/embed.js", "/api/openapi.json",
         "/", "/moderate", "/moderate/login", "/api/posts/hello/comments", "/healthz"]


@pytest.fixture
def site(client: Any, editor: dict[str, str], moderator: dict[str, str]) -> None:
    """A post with an approved comment, so that the feeds have entries."""
    publish(client, editor, "hello", title="Hello")
    approved_comment(client, moderator, "hello", body="first")


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.stop()


def get(client: Any, path: str, prefix: str | None, headers: dict[str, str]) -> Any:
    return client.get((prefix or "") + path, headers=headers)


def everything(response: Any) -> str:
    """The body and every header value of an answer: wherever a link could hide."""
    return response.get_data(as_text=True) + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())


def foreign_links(response: Any, root: str) -> list[str]:
    """Absolute URLs in an answer that are neither under ``root`` nor known foreign ones."""
    return [url for url in URL.findall(everything(response)) if not url.startswith((root + "/", *FOREIGN))
            and url != root]


def check_feed_links(response: Any, root: str, host: str) -> None:
    feed = ET.fromstring(response.get_data())
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith(root + "/feeds/")
    ids = [feed.find(f"{ATOM}id").text] + [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]
    assert len(ids) == 2 and all(i.startswith(f"tag:{host},") for i in ids), ids


@pytest.mark.parametrize("proxies", [0, 1])
def test_with_public_url_every_link_uses_it_whatever_host_is_claimed(make_app, site, proxies):
    client = make_app(PUBLIC_URL=PUBLIC + "/", TRUSTED_PROXIES=proxies).test_client()
    wrong = []
    for name, prefix, headers in ATTACKS:
        for path in PAGES:
            response = get(client, path, prefix, headers)
            if response.status_code >= 400 or EVIL in everything(response).lower() or foreign_links(response, PUBLIC):
                wrong.append((name, path, response.status_code, foreign_links(response, PUBLIC)))
        demo = get(client, "/demo", prefix, headers).get_data(as_text=True)
        assert f'src="{PUBLIC}/embed.js" data-api="{PUBLIC}"' in demo, name
        for feed in ("/feeds/comments.atom", "/feeds/posts/hello/comments.atom"):
            check_feed_links(get(client, feed, prefix, headers), PUBLIC, OURS)
    assert wrong == []


def test_public_url_with_a_path_and_port_prefixes_every_link(make_app, site):
    root = "http://127.0.0.1:8080/comments"
    client = make_app(PUBLIC_URL=root, TRUSTED_PROXIES=1).test_client()
    headers = {"Host": EVIL, "X-Forwarded-Host": EVIL}
    assert f'src="{root}/embed.js" data-api="{root}"' in client.get("/demo", headers=headers).get_data(as_text=True)
    feed = ET.fromstring(client.get("/feeds/comments.atom", headers=headers).get_data())
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{root}/feeds/comments.atom"


@pytest.mark.parametrize("proxies", [0, 1])
def test_with_trusted_hosts_another_host_gets_400_json_and_ours_links_to_itself(make_app, site, proxies):
    client = make_app(TRUSTED_HOSTS=[OURS], TRUSTED_PROXIES=proxies).test_client()
    answered = {}
    for name, prefix, headers in ATTACKS:
        for path in PAGES:
            response = get(client, path, prefix, headers)
            assert EVIL not in everything(response).lower(), (name, path)
            assert foreign_links(response, f"http://{OURS}") == [], (name, path)
            if response.status_code == 400:
                assert response.is_json, (name, path)
                assert response.get_json()["error"]["code"] == "untrusted_host", (name, path)
            else:
                assert response.status_code < 400, (name, path, response.status_code)
            answered[name, path] = response.status_code
    # A claimed Host is refused; X-Forwarded-Host is the request's host (and refused) only behind a trusted proxy.
    forwarded = {"x-forwarded-host", "x-forwarded-host-with-port", "x-forwarded-host-list", "x-forwarded-host-and-proto"}
    for name, _, _ in ATTACKS:
        refused = {answered[name, path] == 400 for path in PAGES}
        should = not name.startswith(("forwarded-", "other-")) and (name not in forwarded or proxies > 0)
        assert refused == {should}, (name, proxies)


@pytest.mark.parametrize("host", [OURS, f"{OURS}:8443", f"{OURS}:80"])
def test_a_trusted_host_links_to_itself(make_app, site, host):
    client = make_app(TRUSTED_HOSTS=[OURS]).test_client()
    root = "http://" + host.removesuffix(":80")
    demo = client.get("/demo", headers={"Host": host})
    assert demo.status_code == 200 and f'src="{root}/embed.js" data-api="{root}"' in demo.get_data(as_text=True)
    for feed in ("/feeds/comments.atom", "/feeds/posts/hello/comments.atom"):
        check_feed_links(client.get(feed, headers={"Host": host}), root, OURS)
    # Werkzeug compares the request's host as sent: an upper-case spelling (no browser sends one) is refused.
    assert client.get("/demo", headers={"Host": OURS.upper()}).status_code == 400


def test_trusted_hosts_refuse_every_method_before_other_checks(make_app, site):
    client = make_app(TRUSTED_HOSTS=[OURS]).test_client()
    headers = {"Host": EVIL}
    answers = [
        client.post("/api/posts/hello/comments", json={"author": "a", "body": "b"}, headers=headers),
        client.post("/api/posts/hello/comments", data="not json", content_type="text/plain", headers=headers),
        client.options("/api/posts/hello/comments", headers={**headers, "Origin": "https://blog.example",
                                                               "Access-Control-Request-Method": "POST"}),
        client.post("/moderate/login", data={"username": "a", "password": "b"}, headers=headers),
        client.delete("/api/comments/1", headers=headers),
    ]
    assert [(r.status_code, r.get_json()["error"]["code"]) for r in answers] == [(400, "untrusted_host")] * 5
    assert all(EVIL not in everything(r).lower() for r in answers)


def test_trusted_hosts_from_the_environment_with_subdomains(monkeypatch, database_url):
    monkeypatch.setenv("TRUSTED_HOSTS", f"{OURS.upper()}, .Blog.example")
    monkeypatch.setenv("DATABASE_URL", database_url)
    client = create_app({"TESTING": True, "REDIS_URL": None}).test_client()
    for host, status in [(OURS, 200), ("blog.example", 200), ("api.blog.example", 200), (EVIL, 400),
                         ("blog.example.evil.example", 400), ("evilblog.example", 400)]:
        assert client.get("/demo", headers={"Host": host}).status_code == status, host


@pytest.mark.parametrize("settings", [
    {},
    {"PUBLIC_URL": "", "TRUSTED_HOSTS": None},
    {"PUBLIC_URL": "", "TRUSTED_HOSTS": []},
])
def test_production_without_public_url_or_trusted_hosts_refuses_to_start(database_url, settings):
    production = {"APP_ENV": "production", "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url}
    with pytest.raises(RuntimeError, match="PUBLIC_URL .* or TRUSTED_HOSTS"):
        create_app({**production, **settings})


@pytest.mark.parametrize("env", [{}, {"PUBLIC_URL": "", "TRUSTED_HOSTS": " , "}])
def test_production_process_without_either_exits_with_the_reason(database_url, env):
    settings = {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database_url, "REDIS_URL": "", **env}
    environ = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "TRUSTED_HOSTS")}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"], cwd=ROOT,
                          env={**environ, **settings}, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "APP_ENV=production needs PUBLIC_URL" in done.stderr and "TRUSTED_HOSTS" in done.stderr


@pytest.mark.parametrize("settings", [{"PUBLIC_URL": PUBLIC}, {"TRUSTED_HOSTS": [OURS]},
                                      {"PUBLIC_URL": PUBLIC, "TRUSTED_HOSTS": [OURS, ".example.com"]}])
def test_production_starts_with_public_url_or_trusted_hosts(database_url, settings):
    app = create_app({"APP_ENV": "production", "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url,
                      "REDIS_URL": None, **settings})
    assert app.test_client().get("/demo", headers={"Host": OURS}).status_code == 200


@pytest.mark.parametrize("value", ["comments.example", "//comments.example", "javascript:alert(1)", "ftp://comments.example",
                                   "https://", "https://user@evil.example", f"{PUBLIC}/?next=x", f"{PUBLIC}/#top",
                                   f"{PUBLIC}:0", f"{PUBLIC}:99999", f'{PUBLIC}/"><script>', "https://evil example"])
def test_a_public_url_that_is_not_an_address_is_refused_at_start(database_url, value):
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": value})


@pytest.mark.parametrize("value", [["https://comments.example"], ["comments.example:8000"], ["comments.example/x"],
                                   ["*"], ["comments example"], ["Comments.example"]])
def test_trusted_hosts_flask_could_never_match_are_refused_at_start(database_url, value):
    with pytest.raises(RuntimeError, match="TRUSTED_HOSTS takes lower-case host names"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_HOSTS": value})


def test_development_needs_no_setting(client, site):
    demo = client.get("/demo")
    assert demo.status_code == 200 and 'src="http://localhost/embed.js"' in demo.get_data(as_text=True)
    check_feed_links(client.get("/feeds/comments.atom"), "http://localhost", "localhost")


def moderate_url(app: Any, hook: Hook, headers: dict[str, str]) -> str | None:
    created = app.test_client().post("/api/posts/hello/comments", json={"author": "Ada", "body": "waits"}, headers=headers)
    assert created.status_code == 201
    with app.app_context():
        jobs_worker.drain()  # the webhook is a job of the comment's transaction; a worker sends it
    sent = json.loads(hook.all()[-1]["body"])
    assert EVIL not in json.dumps(sent).lower()
    return sent["moderate_url"]


@pytest.mark.parametrize("name,prefix,headers", [a for a in ATTACKS if a[1] is None], ids=[a[0] for a in ATTACKS if a[1] is None])
def test_the_webhook_link_never_names_a_claimed_host(make_app, site, hook, name, prefix, headers):
    public = make_app(MODERATION_WEBHOOK_URL=hook.url, PUBLIC_URL=PUBLIC, TRUSTED_PROXIES=1)
    assert moderate_url(public, hook, headers).startswith(f"{PUBLIC}/moderate?status=pending&post=hello#c")
    # Development, nothing set: a link a moderator opens elsewhere is never made from the request.
    development = make_app(MODERATION_WEBHOOK_URL=hook.url, TRUSTED_PROXIES=1)
    assert moderate_url(development, hook, headers) is None


def test_the_webhook_links_to_a_trusted_host(make_app, site, hook):
    app = make_app(MODERATION_WEBHOOK_URL=hook.url, TRUSTED_HOSTS=[OURS])
    assert moderate_url(app, hook, {"Host": OURS}).startswith(f"http://{OURS}/moderate?status=pending&post=hello#c")


def raw(address: tuple[str, int], request_line: str, *headers: str) -> bytes:
    """Send one HTTP/1.1 request as bytes on the wire and return the whole answer."""
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall("\r\n".join([request_line, *headers, "Connection: close", "", ""]).encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def wire_attacks(ours: str) -> list[tuple[str, list[str]]]:
    """Requests a client can put on the wire, beyond what a test client can build."""
    return [(f"GET http://{EVIL}{path} HTTP/1.1", [f"Host: {ours}"]) for path in PAGES[:3]] + [
        (f"GET https://{EVIL}:8443/demo HTTP/1.1", [f"Host: {ours}"]),
        ("GET /demo HTTP/1.1", [f"Host: {EVIL}"]),
        ("GET /feeds/comments.atom HTTP/1.1", [f"Host: {ours}", f"Host: {EVIL}"]),
        ("GET /feeds/comments.atom HTTP/1.1", [f"Host: {EVIL}", f"Host: {ours}"]),
        ("GET /demo HTTP/1.1", [f"Host: {ours}", f"X-Forwarded-Host: {EVIL}"]),
        ("GET /demo HTTP/1.0", []),
    ]


def check_wire(answer: bytes, root: str) -> int:
    """Check one answer off the wire and return its status."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert status < 500 and EVIL.encode() not in answer.lower(), answer[:300]
    if status == 400 and b"application/json" in head:
        assert json.loads(body)["error"]["code"] in ("untrusted_host", "bad_request")
    if status == 200 and b"text/html" in head:
        assert f'src="{root}/embed.js"'.encode() in body
    if status == 200 and b"atom+xml" in head:
        assert f'href="{root}/feeds/'.encode() in body
    return status


@pytest.mark.parametrize("settings,expected", [
    ({"PUBLIC_URL": PUBLIC}, [200] * 9),
    # Werkzeug's server takes an absolute URI's host as the Host (RFC 9112), so TRUSTED_HOSTS refuses it too.
    ({"TRUSTED_HOSTS": ["127.0.0.1"]}, [400] * 7 + [200, 200]),
], ids=["public-url", "trusted-hosts"])
def test_absolute_uris_and_raw_hosts_on_the_development_server(make_app, site, serve, settings, expected):
    server = serve(make_app(**settings))
    address = ("127.0.0.1", server.server.server_port)
    root = settings.get("PUBLIC_URL") or f"http://127.0.0.1:{address[1]}"
    statuses = [check_wire(raw(address, request_line, *headers), root)
                for request_line, headers in wire_attacks(f"127.0.0.1:{address[1]}")]
    assert statuses == expected


def test_absolute_uris_and_raw_hosts_under_gunicorn_in_production(database_url, site):
    server = Gunicorn(service_env(database_url, MODERATION="pre"), workers=1)
    try:
        ours = f"127.0.0.1:{server.port}"
        statuses = [check_wire(raw(server.address, request_line, *headers), f"http://{ours}")
                    for request_line, headers in wire_attacks(ours)]
        # gunicorn keeps the Host header for an absolute URI (checked, and ours); it refuses two Host headers itself.
        assert statuses == [200, 200, 200, 200, 400, 400, 400, 200, 200]
        refused = raw(server.address, "GET /demo HTTP/1.1", f"Host: {EVIL}")
        assert b'"untrusted_host"' in refused
    finally:
        server.stop()
