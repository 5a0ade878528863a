"""Bounces: an address an SMTP server refuses for good (5xx) gets nothing more; a refusal for now (4xx) is retried.

A private aiosmtpd server answers RCPT (or DATA) for one address with the
code a real server would give; the other addresses of the run take mail.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from comments_service.mail_models import MailAddress
from tests.notify_helpers import READER_A, READER_B, comment, link_to, make_due, moderate, release, run_jobs
from tests.servers import SmtpServer

ADA, BOB = "ada@example.com", "bob@example.com"
MODERATORS = ["mia@example.com", "max@example.com"]


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bounce_app(make_app, smtp):
    app = make_app(SMTP_URL=smtp.url, MAIL_FROM="Blog comments <comments@blog.example>", NOTIFY_GROUP_SECONDS=0,
                   PUBLIC_URL="https://comments.example")
    yield app
    release(app)


@pytest.fixture(autouse=True)
def inbox(smtp, bounce_app):
    smtp.messages.clear()
    smtp.refuse.clear()
    smtp.refuse_data.clear()
    bounce_app.config["MODERATOR_EMAILS"] = []
    return smtp.messages


@pytest.fixture
def client(bounce_app):
    return bounce_app.test_client()


def subscribe(client, app, moderator, inbox, email, reader, body):
    """An approved comment by ``email``, subscribed and confirmed (the button's POST); the inbox emptied."""
    mine = comment(client, "hello", headers=reader, email=email, notify=True, body=body)
    moderate(client, moderator, mine["id"])
    run_jobs(app)
    [confirmation] = [m for m in inbox if m.recipients == [email]]
    assert client.post(urlsplit(link_to(confirmation.message, "/notifications/confirm/")).path).status_code == 200
    inbox.clear()
    return mine


def reply_to(client, moderator, parent, body):
    """Carl's reply to ``parent``, approved."""
    created = comment(client, "hello", headers={"X-Reader-Token": "reader-token-of-carl-00003"}, author="Carl",
                      email="carl@example.com", parent_id=parent["id"], body=body)
    moderate(client, moderator, created["id"])
    return created


def address(app, email):
    with app.app_context():
        found = db.session.scalar(select(MailAddress).where(MailAddress.email == email))
        db.session.expunge_all()
        return found


def job_rows(app):
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


@pytest.mark.parametrize("where", ["rcpt", "data"])
def test_an_address_refused_for_good_is_marked_bounced_and_gets_nothing_more(
        client, bounce_app, moderator, inbox, smtp, where):
    ada = subscribe(client, bounce_app, moderator, inbox, ADA, READER_A, "Ada asks")
    bob = subscribe(client, bounce_app, moderator, inbox, BOB, READER_B, "Bob asks")
    refusal = {"rcpt": smtp.refuse, "data": smtp.refuse_data}[where]
    refusal[ADA] = "550 5.1.1 <ada@example.com>: no such user" if where == "rcpt" else "554 5.7.1 rejected"
    reply_to(client, moderator, ada, "an answer for Ada")
    reply_to(client, moderator, bob, "an answer for Bob")
    run_jobs(bounce_app)
    assert [m.recipients for m in inbox] == [[BOB]]
    assert address(bounce_app, ADA).bounced_at is not None and address(bounce_app, BOB).bounced_at is None
    [failed] = job_rows(bounce_app)  # the refused mail is kept as failed at its first try, for a person to see
    assert failed.state == JobState.FAILED and failed.attempts == 1 and ADA in failed.payload["to"]
    assert ("550 5.1.1" if where == "rcpt" else "554") in failed.last_error
    listed = bounce_app.test_cli_runner().invoke(args=["jobs"]).output
    assert "0 pending, 0 running, 1 failed" in listed and f"mail to {ADA}" in listed
    del refusal[ADA]  # even a server that would take it now gets nothing: the address bounced
    reply_to(client, moderator, ada, "a second answer for Ada")
    reply_to(client, moderator, bob, "a second answer for Bob")
    run_jobs(bounce_app)
    assert [m.recipients for m in inbox] == [[BOB], [BOB]]
    assert [j.id for j in job_rows(bounce_app)] == [failed.id]  # no new job for Ada
    assert comment(client, "hello", email=ADA, notify=True, body="again, please")["subscription"] is None


def test_a_refusal_for_now_is_retried_and_the_mail_goes_once(client, bounce_app, moderator, inbox, smtp):
    ada = subscribe(client, bounce_app, moderator, inbox, ADA, READER_A, "Ada asks")
    smtp.refuse[ADA] = "451 4.3.0 mailbox busy, try later"
    reply_to(client, moderator, ada, "an answer for Ada")
    run_jobs(bounce_app)
    assert inbox == []
    [waiting] = job_rows(bounce_app)
    assert waiting.state == JobState.PENDING and waiting.attempts == 1 and "451" in waiting.last_error
    assert address(bounce_app, ADA).bounced_at is None
    del smtp.refuse[ADA]
    make_due(bounce_app)
    run_jobs(bounce_app)
    assert [m.recipients for m in inbox] == [[ADA]] and job_rows(bounce_app) == []
    assert "an answer for Ada" in inbox[0].message.get_body(("plain",)).get_content()


def test_a_mail_to_several_sends_to_those_who_take_it_and_retries_only_the_one_refused_for_now(
        client, bounce_app, inbox, smtp):
    bounce_app.config["MODERATOR_EMAILS"] = [*MODERATORS, "gone@example.com"]
    smtp.refuse["max@example.com"] = "452 4.2.2 mailbox full for now"
    smtp.refuse["gone@example.com"] = "550 5.1.1 no such user"
    comment(client, "hello", body="waits for a moderator")
    run_jobs(bounce_app)
    assert [m.recipients for m in inbox] == [["mia@example.com"]]
    [again] = job_rows(bounce_app)  # the 5xx address is dropped; the 4xx one waits in a job of its own
    assert again.state == JobState.PENDING and again.payload["to"] == ["max@example.com"]
    del smtp.refuse["max@example.com"]
    make_due(bounce_app)
    run_jobs(bounce_app)
    assert [m.recipients for m in inbox] == [["mia@example.com"], ["max@example.com"]]
    assert inbox[0].message["Message-ID"] == inbox[1].message["Message-ID"]
    assert job_rows(bounce_app) == []
