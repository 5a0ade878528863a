"""Reply subscriptions: notify on a new comment, double opt-in by a mailed link, stopping all mail or one thread.

Real mail: the service sends through SMTP to a private aiosmtpd server; the
links in the mails are followed over HTTP, as a reader's browser or mail
client would (no cookies, no session).
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from comments_service import mail_links
from comments_service.extensions import db
from comments_service.mail_models import MailAddress, Subscription
from comments_service.times import utcnow
from tests.conftest import bearer
from tests.notify_helpers import comment, http, link_to, links, release, run_jobs, texts
from tests.servers import SmtpServer

ADA = "ada@example.com"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notify_app(make_app, smtp, serve):
    app = make_app(SMTP_URL=smtp.url, MAIL_FROM="Blog comments <comments@blog.example>", NOTIFY_GROUP_SECONDS=0)
    app.live = serve(app)
    app.config["PUBLIC_URL"] = app.live.url
    yield app
    release(app)


@pytest.fixture(autouse=True)
def inbox(smtp):
    smtp.messages.clear()
    return smtp.messages


@pytest.fixture
def client(notify_app):
    return notify_app.test_client()


def address_row(app, email=ADA):
    with app.app_context():
        row = db.session.scalar(select(MailAddress).where(MailAddress.email == email))
        db.session.expunge_all()
        return row


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("fields", [
    {"notify": True},
    {"notify": True, "email": ""},
    {"notify": True, "email": "   "},
    {"notify": True, "email": None},
])
def test_notify_without_an_email_is_a_422_on_the_email(client, fields):
    response = client.post("/api/posts/hello/comments", json={"author": "Ada", "body": "Hi", **fields})
    assert response.status_code == 422
    assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, [], {}])
def test_notify_is_a_json_boolean(client, value):
    response = client.post("/api/posts/hello/comments", json={"author": "Ada", "body": "Hi", "email": ADA,
                                                              "notify": value})
    assert response.status_code == 422
    assert "notify" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("fields", [{}, {"notify": False}, {"notify": None}, {"notify": False, "email": ADA}])
def test_without_notify_there_is_no_subscription_and_no_mail(client, notify_app, inbox, fields):
    assert comment(client, **fields)["subscription"] is None
    run_jobs(notify_app)
    assert inbox == [] and count(notify_app, Subscription) == 0


def test_subscribing_mails_one_confirmation_an_hour_with_a_link_that_a_get_never_uses(client, notify_app, inbox):
    created = comment(client, email=ADA, notify=True)
    assert created["subscription"] == "confirm"
    run_jobs(notify_app)
    assert len(inbox) == 1
    envelope = inbox[0]
    assert envelope.recipients == [ADA]
    message = envelope.message
    assert "Confirm" in message["Subject"] and message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = texts(message)
    confirm = link_to(message, "/notifications/confirm/")
    assert confirm.startswith(notify_app.live.url) and confirm in text and confirm in html

    # The same address again (any case) within the hour: subscribed, told to confirm, no second mail.
    again = comment(client, email="ADA@Example.com", notify=True, body="Another")
    assert again["subscription"] == "confirm"
    run_jobs(notify_app)
    assert len(inbox) == 1 and count(notify_app, MailAddress) == 1 and count(notify_app, Subscription) == 2

    # Opening the link (GET, HEAD: what mail scanners do) shows the button and changes nothing.
    for method in ("GET", "HEAD", "GET"):
        status, page = http(confirm, method)
        assert status == 200
        if method == "GET":
            assert "<button" in page and ADA in page and 'method="post"' in page
    assert address_row(notify_app).confirmed_at is None

    # Pressing the button confirms, without cookies or a CSRF token: the token in the link is the proof.
    status, page = http(confirm, "POST", b"confirm=yes", "application/x-www-form-urlencoded")
    assert status == 200 and "is confirmed" in page
    assert address_row(notify_app).confirmed_at is not None
    assert http(confirm, "POST")[0] == 200  # twice is fine

    # Confirmed: the next subscription is active at once, and mails nothing.
    assert comment(client, email=ADA, notify=True, body="Third")["subscription"] == "active"
    run_jobs(notify_app)
    assert len(inbox) == 1


def test_a_second_confirmation_mail_goes_only_after_an_hour(client, notify_app, inbox):
    comment(client, email=ADA, notify=True)
    run_jobs(notify_app)
    with notify_app.app_context():
        db.session.execute(update(MailAddress).values(confirm_sent_at=utcnow() - timedelta(minutes=59)))
        db.session.commit()
    comment(client, email=ADA, notify=True, body="Two")
    run_jobs(notify_app)
    assert len(inbox) == 1
    with notify_app.app_context():
        db.session.execute(update(MailAddress).values(confirm_sent_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
    assert comment(client, email=ADA, notify=True, body="Three")["subscription"] == "confirm"
    run_jobs(notify_app)
    assert len(inbox) == 2 and inbox[1].recipients == [ADA]


def test_a_comment_held_as_spam_subscribes_but_mails_nothing(client, notify_app, inbox):
    created = comment(client, email=ADA, notify=True, website_confirm="bot")
    assert created["status"] == "pending" and created["subscription"] == "confirm"
    run_jobs(notify_app)
    assert inbox == []


@pytest.mark.parametrize("settings", [
    {"PUBLIC_URL": "https://comments.example"},  # no SMTP_URL: no mail at all
    {"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "comments@blog.example"},  # no PUBLIC_URL: no links to give
])
def test_without_smtp_or_public_url_nobody_is_subscribed(make_app, settings):
    app = make_app(**settings)
    client = app.test_client()
    for headers in ({}, {"Host": "evil.example"}, {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}):
        created = comment(client, email=ADA, notify=True, headers=headers, body=f"Hi {headers}")
        assert created["subscription"] is None
    assert count(app, Subscription) == 0 and count(app, MailAddress) == 0
    release(app)


def test_links_in_mails_never_take_the_requests_host(client, notify_app, inbox):
    for host in ("evil.example", "evil.example:443", "127.0.0.1.evil.example"):
        response = client.post(f"http://{host}/api/posts/hello/comments",
                               json={"author": "Ada", "body": f"Hi from {host}", "email": f"{len(inbox)}@x.example",
                                     "notify": True},
                               headers={"X-Forwarded-Host": "evil.example"})
        assert response.status_code == 201, response.get_json()
        run_jobs(notify_app)
    assert len(inbox) == 3
    for envelope in inbox:
        message = envelope.message
        urls = links(message) + [message["List-Unsubscribe"].strip("<>")]
        assert urls and all(url.startswith(notify_app.live.url + "/notifications/") for url in urls), urls
        assert "evil" not in message.as_string()


def token_of(app, kind, email=ADA, row_id=None):
    with app.app_context():
        address = db.session.scalar(select(MailAddress).where(MailAddress.email == email))
        return mail_links.sign(kind, row_id if row_id is not None else address.id, email)


def flip(token, index):
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]


def bad_tokens(app, kind):
    good = token_of(app, kind)
    return {
        "garbage": "not-a-token",
        "truncated": good[:-3],
        # Changed in the payload, and in the signature (not its last character, whose low bits are padding).
        "tampered payload": flip(good, 2),
        "tampered signature": flip(good, len(good) - 6),
        "another kind": token_of(app, "all" if kind != "all" else "confirm"),
        "another address": token_of(app, kind, email="eve@example.com", row_id=address_row(app).id),
        "unknown row": token_of(app, kind, row_id=999999),
        "very long": "x" * 2000,
        "unicode": "t\u00f6ken",
    }


def test_a_link_that_is_not_ours_gets_an_html_404_and_changes_nothing(client, notify_app):
    comment(client, email=ADA, notify=True)
    base = notify_app.live.url
    paths = {"/notifications/confirm/": "confirm", "/notifications/unsubscribe/": "all",
             "/notifications/stop-thread/": "thread", "/notifications/resume/": "all"}
    for path, kind in paths.items():
        for name, token in bad_tokens(notify_app, kind).items():
            for method in ("GET", "POST"):
                if path.endswith("resume/") and method == "GET":
                    continue
                response = client.open(path + token, method=method,
                                       data={"List-Unsubscribe": "One-Click"} if method == "POST" else None)
                assert response.status_code == 404, (name, path, method)
                assert response.mimetype == "text/html" and "This link does not work" in response.text
    row = address_row(notify_app)
    assert row.confirmed_at is None and row.unsubscribed_at is None
    assert http(base + "/notifications/confirm/")[0] == 404


def test_pages_of_links_are_not_cached_framed_or_referred(client, notify_app):
    comment(client, email=ADA, notify=True)
    response = client.get("/notifications/confirm/" + token_of(notify_app, "confirm"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "<script" not in response.text


def test_erasing_an_author_removes_the_address_and_its_subscriptions_and_the_export_shows_them(
        client, notify_app, tokens, inbox):
    admin = bearer(tokens["admin"])
    comment(client, email=ADA, notify=True)
    other = comment(client, email="bob@example.com", notify=True, author="Bob")
    assert other["subscription"] == "confirm"
    exported = client.post("/api/moderation/authors/export", json={"email": ADA}, headers=admin).get_json()
    assert exported["mail"]["confirmed_at"] is None
    assert [s["post"] for s in exported["mail"]["subscriptions"]] == ["hello"]
    link = token_of(notify_app, "all")
    erased = client.post("/api/moderation/authors/erase", json={"email": ADA}, headers=admin).get_json()
    assert erased["subscriptions"] == 1
    assert address_row(notify_app) is None and count(notify_app, Subscription) == 1
    # Its links die with it, and the confirmation mail still waiting is not sent.
    assert client.post("/notifications/unsubscribe/" + link).status_code == 404
    run_jobs(notify_app)
    assert [m.recipients for m in inbox] == [["bob@example.com"]]
    assert client.post("/api/moderation/authors/export", json={"email": ADA}, headers=admin).get_json()["mail"] is None


def test_the_json_export_carries_addresses_with_their_threads_and_the_import_says_it_leaves_them(
        client, notify_app, tmp_path):
    created = comment(client, email=ADA, notify=True)
    path = tmp_path / "everything.json"
    runner = notify_app.test_cli_runner()
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0 and "1 mail addresses" in result.output, result.output
    document = json.loads(path.read_text(encoding="utf-8"))
    [address] = document["mail_addresses"]
    assert address["email"] == ADA and address["confirmed_at"] is None and address["unsubscribed_at"] is None
    [subscription] = address["subscriptions"]
    assert subscription["comment_id"] == created["id"] and subscription["post"] == "hello"
    again = runner.invoke(args=["import", "json", str(path)])
    assert again.exit_code == 0, again.output
    assert "1 mail addresses with reply subscriptions were not imported" in again.output
