"""Mailed sign-in links through the test SMTP server: a job sends it, GET changes nothing, it works once, per-address limit."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from comments_service.account_models import MailSignIn, ReaderSession
from comments_service.extensions import db
from tests.notify_helpers import http, link_to, release, run_jobs, texts
from tests.servers import SmtpServer

BLOG = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_app(make_app, smtp, serve):
    app = make_app(SMTP_URL=smtp.url, MAIL_FROM="Blog comments <comments@blog.example>", CORS_ORIGINS=[BLOG],
                   MAIL_SIGN_IN_PER_HOUR=3)
    app.live = serve(app)
    app.config["PUBLIC_URL"] = app.live.url
    yield app
    release(app)


def ask(client, email="ada@example.com", origin=BLOG, **body):
    return client.post("/api/session/mail", json={"email": email, **body}, headers={"Origin": origin})


def handoff(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="cs-handoff">(.*?)</script>', page, re.S)
    assert found, page
    return json.loads(found.group(1))


def test_a_mailed_link_signs_in_once(mail_app, smtp):
    smtp.messages.clear()
    client = mail_app.test_client()
    response = ask(client, name="Ada L.", page=BLOG + "/posts/hello?x=1#comments")
    assert response.status_code == 202 and response.get_json() == {"sent": True, "expires_in": 900}
    assert smtp.messages == [], "nothing is sent from the request: a job sends it"
    run_jobs(mail_app)
    assert len(smtp.messages) == 1 and smtp.messages[0].recipients == ["ada@example.com"]
    message = smtp.messages[0].message
    assert message["Subject"] == "Your sign-in link" and message["Auto-Submitted"] == "auto-generated"
    link = link_to(message, "/accounts/mail/")
    assert link.startswith(mail_app.live.url) and "works once, within 15 minutes" in texts(message)[0]
    token = urlsplit(link).path.rsplit("/", 1)[1]
    with mail_app.app_context():
        assert db.session.scalar(select(MailSignIn.token_hash)) != token, "only its hash is stored"

    status, page = http(link)  # a mail scanner opening the link changes nothing
    assert status == 200 and "Sign in as <strong>ada@example.com</strong>" in page
    assert http(link)[0] == 200
    with mail_app.app_context():
        assert db.session.scalar(select(ReaderSession.id)) is None

    status, page = http(link, "POST", b"sign_in=yes", "application/x-www-form-urlencoded")
    assert status == 200, page
    data = handoff(page)
    assert data["origin"] == BLOG and data["back"] == BLOG + "/posts/hello?x=1"
    assert data["reader"] == {"name": "Ada L.", "verified": True, "email": "ada@example.com", "notify_replies": False}
    me = client.get("/api/me", headers={"X-Reader-Session": data["session"]}).get_json()
    assert me["providers"] == ["mail"] and me["reader"]["email"] == "ada@example.com"

    for method in ("POST", "GET"):
        status, page = http(link, method, b"sign_in=yes" if method == "POST" else None,
                            "application/x-www-form-urlencoded" if method == "POST" else None)
        assert status == 410 and "used already" in page, (method, page)


def test_an_expired_link_is_refused(mail_app, smtp):
    smtp.messages.clear()
    client = mail_app.test_client()
    assert ask(client).status_code == 202
    run_jobs(mail_app)
    link = link_to(smtp.messages[0].message, "/accounts/mail/")
    with mail_app.app_context():
        db.session.execute(update(MailSignIn).values(expires_at=MailSignIn.created_at))
        db.session.commit()
    status, page = http(link, "POST", b"sign_in=yes", "application/x-www-form-urlencoded")
    assert status == 410 and "expired" in page


def test_an_address_gets_a_few_links_an_hour(mail_app, smtp):
    client = mail_app.test_client()
    for _ in range(3):
        assert ask(client, email="bob@example.com").status_code == 202
    response = ask(client, email="bob@example.com")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600"
    assert response.get_json()["error"]["code"] == "too_many_links"
    assert ask(client, email="carol@example.com").status_code == 202, "another address is counted apart"


@pytest.mark.parametrize("origin", ["http://evil.example", "*", ""])
def test_a_link_is_mailed_only_for_a_listed_blog_origin(mail_app, origin):
    response = ask(mail_app.test_client(), origin=origin)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "origin_not_allowed"


def test_the_page_to_return_to_stays_on_the_blog(mail_app, smtp):
    smtp.messages.clear()
    assert ask(mail_app.test_client(), email="dan@example.com", page="http://evil.example/phish").status_code == 202
    run_jobs(mail_app)
    link = link_to(smtp.messages[-1].message, "/accounts/mail/")
    status, page = http(link, "POST", b"sign_in=yes", "application/x-www-form-urlencoded")
    assert handoff(page)["back"] == BLOG + "/"


@pytest.mark.parametrize("body", [{"email": "not an address"}, {}, {"email": "a@b.example", "name": ""}])
def test_a_bad_request_is_a_422(mail_app, body):
    response = mail_app.test_client().post("/api/session/mail", json=body, headers={"Origin": BLOG})
    assert response.status_code == 422


def test_without_mail_there_are_no_mailed_links(client):
    response = client.post("/api/session/mail", json={"email": "a@b.example"}, headers={"Origin": BLOG})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "mail_sign_in_off"


def test_an_unknown_link_is_refused_as_a_page(mail_app):
    status, page = http(mail_app.live.url + "/accounts/mail/ml_unknown")
    assert status == 410 and "<h1>Sign-in did not work</h1>" in page


def test_a_signed_in_reader_with_a_proved_address_gets_reply_mails_without_another_confirmation(mail_app, smtp):
    smtp.messages.clear()
    client = mail_app.test_client()
    assert ask(client, email="eve@example.com").status_code == 202
    run_jobs(mail_app)
    link = link_to(smtp.messages[-1].message, "/accounts/mail/")
    token = handoff(http(link, "POST", b"sign_in=yes", "application/x-www-form-urlencoded")[1])["session"]
    headers = {"X-Reader-Session": token}
    assert client.patch("/api/me", json={"notify_replies": True}, headers=headers).status_code == 200
    created = client.post("/api/posts/hello/comments", json={"body": "Tell me"}, headers=headers).get_json()
    assert created["subscription"] == "active" and created["verified"] is True
    smtp.messages.clear()
    run_jobs(mail_app)
    assert smtp.messages == [], "no confirmation mail: the sign-in proved the address"


def test_two_presses_at_once_sign_in_once(mail_app, smtp):
    from concurrent.futures import ThreadPoolExecutor

    smtp.messages.clear()
    assert ask(mail_app.test_client(), email="fay@example.com").status_code == 202
    run_jobs(mail_app)
    link = link_to(smtp.messages[-1].message, "/accounts/mail/")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: http(link, "POST", b"sign_in=yes", "application/x-www-form-urlencoded")[0],
                                range(4)))
    assert sorted(answers) == [200, 410, 410, 410]
    with mail_app.app_context():
        assert len(list(db.session.scalars(select(ReaderSession.id)))) == 1
