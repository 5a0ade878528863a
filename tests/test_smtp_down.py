"""SMTP down for a while: the mails of approved replies wait, retried with backoff, shown by `flask jobs` and the desk.

The private SMTP server is stopped (nothing listens on its port), replies
are approved, the worker's tries fail; the server starts again on the same
port and every mail goes, once.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from comments_service import users
from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from comments_service.models import Role
from comments_service.times import aware
from tests.notify_helpers import READER_A, READER_B, comment, link_to, make_due, moderate, run_jobs, texts
from tests.test_moderate_page import PASSWORD, login

ADA = "ada@example.com"


def mail_jobs(app):
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def test_mail_waits_while_smtp_is_down_is_listed_meanwhile_and_goes_once_when_it_is_back(make_app, smtp, moderator):
    app = make_app(SMTP_URL=smtp.url, MAIL_FROM="comments@blog.example", NOTIFY_GROUP_SECONDS=0,
                   PUBLIC_URL="https://comments.example", JOBS_BACKOFF_SECONDS=30)
    client = app.test_client()
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    mine = comment(client, "hello", headers=READER_A, email=ADA, notify=True, body="Does it hurt?")
    moderate(client, moderator, mine["id"])
    run_jobs(app)
    [confirmation] = smtp.wait_for(1)
    assert client.post(urlsplit(link_to(confirmation.message, "/notifications/confirm/")).path).status_code == 200
    smtp.messages.clear()

    smtp.stop()  # down: connections to its port are refused
    replies = [comment(client, "hello", headers=READER_B, author="Bob", parent_id=mine["id"],
                       body=f"answer {n}")["id"] for n in range(3)]
    bulk = client.post("/api/moderation/comments/bulk", json={"ids": replies, "action": "approve"}, headers=moderator)
    assert bulk.get_json() == {"updated": 3}
    run_jobs(app)  # the notices make their mails; each mail's first try fails
    waiting = mail_jobs(app)
    assert [(j.kind, j.state, j.attempts) for j in waiting] == [("mail", JobState.PENDING, 1)] * 3
    assert all("Connection refused" in j.last_error for j in waiting)
    assert all(aware(j.run_at) - aware(j.updated_at) == timedelta(seconds=30) for j in waiting)  # the first backoff

    listed = app.test_cli_runner().invoke(args=["jobs"]).output.splitlines()
    assert listed[0] == "3 pending, 0 running, 0 failed"
    for job, (line, error) in zip(waiting, zip(listed[1::2], listed[2::2], strict=True), strict=True):
        assert line.startswith(f"{job.id}\tpending\tmail\tattempts 1\tdue ") and f"mail to {ADA}" in line
        assert error.startswith("\tlast error: ") and "Connection refused" in error
    assert login(client).status_code == 303
    page = client.get("/moderate/jobs").get_data(as_text=True)
    assert "3 waiting, 0 running, 0 failed." in page and page.count("Connection refused") == 3
    assert all(f"#{j.id}" in page for j in waiting)

    make_due(app)
    run_jobs(app)  # still down: the second try fails too, and waits twice as long
    again = mail_jobs(app)
    assert [j.attempts for j in again] == [2] * 3 and smtp.messages == []
    assert all(aware(j.run_at) - aware(j.updated_at) == timedelta(seconds=60) for j in again)

    smtp.start()  # back, on the same port
    assert run_jobs(app) == 0  # each mail waits for its time; none is lost
    make_due(app)
    assert run_jobs(app) == 3
    received = smtp.wait_for(3)
    assert sorted(line.strip() for r in received for line in texts(r.message)[0].splitlines()
                  if line.strip().startswith("answer ")) == ["answer 0", "answer 1", "answer 2"]
    assert len({r.message["Message-ID"] for r in received}) == 3 and mail_jobs(app) == []
    assert "No job waits and none failed." in client.get("/moderate/jobs").get_data(as_text=True)
