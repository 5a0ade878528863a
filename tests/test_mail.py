"""Outgoing mail: composed with the standard library, queued as a job, sent over real SMTP; moderators' mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from comments_service import jobs, jobs_worker, mail
from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from tests.helpers import post_comment, publish
from tests.servers import SmtpServer, free_port

MODERATORS = ["mia@example.com", "max@example.com"]


def mail_app(make_app, smtp_url, **overrides):
    settings = {"SMTP_URL": smtp_url, "MAIL_FROM": "Comments <comments@blog.example>",
                "PUBLIC_URL": "https://comments.example", "MODERATOR_EMAILS": MODERATORS}
    return make_app(**{**settings, **overrides})


def job_rows(app):
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def drain(app):
    with app.app_context():
        return jobs_worker.drain()


def parts(message):
    # As received: lines end in CRLF, as SMTP carries them.
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return text, html


def test_compose_makes_a_text_and_html_message_marked_automatic(make_app, smtp):
    app = mail_app(make_app, smtp.url)
    with app.app_context():
        one = mail.compose("ada@example.com", "Hello\nBcc: evil@example.com", "Plain é", "<p>Rich é</p>",
                           headers={"List-Unsubscribe": "<https://comments.example/u/1>"}, thread="post-hello")
        two = mail.compose(["a@example.com", "b@example.com"], "Again", "t", "<p>h</p>", thread="post-hello")
        assert mail.queue(one) and mail.queue(two)
        db.session.commit()
        assert jobs_worker.drain() == 2
    first, second = smtp.wait_for(2)
    message = first.message
    assert first.sender == "comments@blog.example" and first.recipients == ["ada@example.com"]
    assert second.recipients == ["a@example.com", "b@example.com"]
    assert message["From"] == "Comments <comments@blog.example>"
    assert message["Subject"] == "Hello Bcc: evil@example.com" and message["Bcc"] is None
    assert message["Auto-Submitted"] == "auto-generated" and message["Date"]
    assert message["Message-ID"].endswith("@blog.example>")
    assert message["Message-ID"] != second.message["Message-ID"]
    assert message["In-Reply-To"] == message["References"] == "<thread.post-hello@blog.example>"
    assert second.message["References"] == message["References"]  # one conversation, one thread
    assert message["List-Unsubscribe"] == "<https://comments.example/u/1>"
    assert message.get_content_type() == "multipart/alternative"
    assert parts(message) == ("Plain é\n", "<p>Rich é</p>\n")


@pytest.mark.parametrize("html", [
    '<img src="https://tracker.example/p.gif">', "<img src=//tracker.example/p.gif>",
    "<div style=\"background: url('http://x.example/a.png')\">", '<table background="https://x.example/b.png">',
    '<link rel="stylesheet" href="https://x.example/s.css">', "<IMG SRC = 'HTTP://X.EXAMPLE/A'>",
])
def test_compose_refuses_html_that_loads_anything_remote(make_app, smtp, html):
    app = mail_app(make_app, smtp.url)
    with app.app_context(), pytest.raises(ValueError, match="remote"):
        mail.compose("ada@example.com", "s", "t", html)


def test_no_smtp_url_means_no_mail_and_no_job(make_app):
    app = make_app(MODERATOR_EMAILS=MODERATORS, PUBLIC_URL="https://comments.example")
    with app.app_context():
        assert mail.queue(mail.compose("ada@example.com", "s", "t", "<p>h</p>")) is False
    assert post_comment(app.test_client(), "p").status_code == 201
    assert job_rows(app) == []


@pytest.mark.parametrize("url, message", [
    ("http://mail.example:25", "SMTP_URL"), ("smtp://", "SMTP_URL"), ("smtp://h:25?tls=1", "starttls"),
    ("smtps://h:465?starttls=true", "already TLS"), ("smtp://h:notaport", "port"),
])
def test_a_wrong_smtp_url_stops_the_start(make_app, url, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        make_app(SMTP_URL=url, MAIL_FROM="comments@blog.example")


@pytest.mark.parametrize("sender", [None, "", "not an address", "Comments <nobody>"])
def test_smtp_needs_a_sender_address(make_app, sender):
    with pytest.raises(RuntimeError, match="MAIL_FROM"):
        make_app(SMTP_URL="smtp://127.0.0.1:2525", MAIL_FROM=sender)


def test_smtp_url_forms():
    parse = mail.Smtp.parse
    assert parse("smtp://mail.example") == mail.Smtp("mail.example", 25, False, False, None, None)
    assert parse("smtp://u%40x:p%3Aw@mail.example:2525?starttls=true") == mail.Smtp(
        "mail.example", 2525, False, True, "u@x", "p:w")
    assert parse("smtp://mail.example?starttls=true").port == 587
    assert parse("smtps://mail.example") == mail.Smtp("mail.example", 465, True, False, None, None)


def test_moderators_get_a_mail_for_a_comment_entering_the_queue(make_app, smtp, editor):
    app = mail_app(make_app, smtp.url, MAX_LINKS=1)
    client = app.test_client()
    publish(client, editor, "spine", title="Spine <care> & \u201cyou\u201d")
    body = "<script>alert(1)</script> **bold** & see https://a.com https://b.com"
    created = post_comment(client, "spine", author="Ada <b>", email="ada@example.com", body=body).get_json()
    assert created["status"] == "pending"
    assert drain(app) == 1
    [received] = smtp.wait_for(1)
    assert received.recipients == MODERATORS
    message = received.message
    assert message["Subject"] == "New comment by Ada <b> on \u201cSpine <care> & \u201cyou\u201d\u201d awaits moderation"
    assert message["References"] == "<thread.moderation-spine@blog.example>"
    text, html = parts(message)
    link = f"https://comments.example/moderate?status=pending&post=spine#c{created['id']}-title"
    assert body in text and "Ada <b> <ada@example.com>" in text and f"Moderate it: {link}" in text
    assert "Spam checks: too_many_links" in text and "Spam checks: too_many_links" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; **bold** &amp; see" in html
    assert "Ada &lt;b&gt;" in html and "Spine &lt;care&gt; &amp;" in html
    assert f'<a href="{link.replace("&", "&amp;")}">Moderate it</a>' in html
    assert "src=" not in html


@pytest.mark.parametrize("moderation, website_confirm, mails", [
    ("pre", None, 1),  # pending: the queue
    ("post", None, 0),  # published at once
    ("post", "filled", 0),  # the honeypot: spam, not the queue
])
def test_only_comments_that_enter_the_queue_mail_the_moderators(make_app, smtp, moderation, website_confirm, mails):
    app = mail_app(make_app, smtp.url, MODERATION=moderation)
    extra = {"website_confirm": website_confirm} if website_confirm else {}
    assert post_comment(app.test_client(), "p", **extra).status_code == 201
    drain(app)
    assert len(job_rows(app)) == 0 and len(smtp.wait_for(mails, timeout=2 if not mails else 30)) == mails


def test_an_edit_that_sends_a_comment_back_to_the_queue_mails_again(make_app, smtp, moderator):
    app = mail_app(make_app, smtp.url, MODERATOR_EMAILS=["mia@example.com"])
    client = app.test_client()
    created = post_comment(client, "p", body="first").get_json()
    drain(app)  # the worker runs each job a moment after it was added
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    client.patch(f"/api/comments/{created['id']}", json={"body": "second text"},
                 headers={"X-Edit-Token": created["edit_token"]})
    drain(app)
    client.patch(f"/api/comments/{created['id']}", json={"body": "third text, still pending"},
                 headers={"X-Edit-Token": created["edit_token"]})
    drain(app)
    first, second = smtp.wait_for(2)
    assert "first" in parts(first.message)[0] and "second text" in parts(second.message)[0]
    assert len(smtp.messages) == 2  # an edit of a pending comment is not a new entry


def test_a_rolled_back_moderation_action_queues_nothing(make_app, smtp, moderator):
    app = mail_app(make_app, smtp.url, MODERATION_WEBHOOK_URL="http://127.0.0.1:9/hook")
    client = app.test_client()
    created = post_comment(client, "p").get_json()
    with app.app_context():
        db.session.execute(update(Job).values(state=JobState.FAILED))  # set the comment's own jobs aside
        db.session.commit()
    before = len(job_rows(app))
    stale = client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator,
                        json={"expected_edited_at": "2001-01-01T00:00:00Z"})
    assert stale.status_code == 409
    assert len(job_rows(app)) == before


def test_mail_waits_while_smtp_is_down_and_goes_when_it_is_up(make_app):
    server = SmtpServer(port=free_port())  # not started: nothing listens on its port
    app = mail_app(make_app, server.url, MODERATOR_EMAILS=["mia@example.com"])
    created = [post_comment(app.test_client(), "p", body=f"comment {n}").get_json() for n in range(3)]
    assert drain(app) == 3
    failed = job_rows(app)
    assert [j.state for j in failed] == [JobState.PENDING] * 3 and all(j.attempts == 1 for j in failed)
    assert all("Connection refused" in j.last_error or "Errno" in j.last_error for j in failed)
    server.start()
    try:
        assert drain(app) == 0  # still waiting for their backoff
        with app.app_context():
            db.session.execute(update(Job).values(run_at=jobs.now_expr()))
            db.session.commit()
        assert drain(app) == 3
        received = server.wait_for(3)
    finally:
        server.stop()
    texts = sorted(parts(r.message)[0] for r in received)
    assert [f"comment {n}" in t for n, t in enumerate(texts)] == [True] * 3
    assert job_rows(app) == [] and len(created) == 3
