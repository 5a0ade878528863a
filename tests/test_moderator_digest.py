"""The moderators' digest (MODERATOR_DIGEST_MINUTES): one mail per period for the comments that entered the queue.

Through the jobs table (one job per period, gathering the comments) and a
real SMTP server; "the period ends" is the job's due time moved to now.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from comments_service.times import aware
from tests.helpers import post_comment, publish
from tests.notify_helpers import make_due, moderate, run_jobs, texts

MODERATORS = ["mia@example.com", "max@example.com"]


def digest_app(make_app, smtp, minutes=10):
    return make_app(SMTP_URL=smtp.url, MAIL_FROM="Comments <comments@blog.example>", MODERATOR_EMAILS=MODERATORS,
                    PUBLIC_URL="https://comments.example", MODERATOR_DIGEST_MINUTES=minutes, MAX_LINKS=1)


def job_rows(app):
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def test_comments_entering_the_queue_in_a_period_make_one_mail_when_it_ends(make_app, smtp, editor, moderator):
    app = digest_app(make_app, smtp)
    client = app.test_client()
    publish(client, editor, "spine", title="Spine <care>")
    bodies = ["<script>alert(1)</script> & **bold**", "see https://a.com and https://b.com", "approved before"]
    ids = [post_comment(client, "spine", author=f"Reader <{n}>", email=f"r{n}@example.com", body=body)
           .get_json()["id"] for n, body in enumerate(bodies)]
    moderate(client, moderator, ids[2])
    assert run_jobs(app) == 0 and smtp.messages == []  # nothing goes before the period ends
    [digest] = job_rows(app)
    assert digest.kind == "moderator-digest" and digest.state == JobState.PENDING and digest.payload["comments"] == ids
    due = aware(digest.run_at)
    assert due.minute % 10 == 0 and due.second == 0 and due - aware(digest.created_at) <= timedelta(minutes=10)
    listed = app.test_cli_runner().invoke(args=["jobs"]).output
    assert "moderator digest of" in listed
    make_due(app)
    assert run_jobs(app) == 2  # the digest, then its mail
    [received] = smtp.wait_for(1)
    assert received.recipients == MODERATORS and job_rows(app) == []
    message = received.message
    assert message["Subject"] == "2 comments await moderation"
    assert message["References"] == "<thread.moderation-digest@blog.example>"
    text, html = (part.replace("\r\n", "\n") for part in texts(message))
    assert "2 comments entered the moderation queue between" in text and "(1 more was moderated already)" in text
    assert text.index(bodies[0]) < text.index(bodies[1]) and bodies[2] not in text  # as typed, in order
    assert "Reader <0> <r0@example.com> wrote on \u201cSpine <care>\u201d" in text
    assert "Spam checks: nothing found" in text and "Spam checks: too_many_links" in text
    for comment_id in ids[:2]:
        link = f"https://comments.example/moderate?status=pending&post=spine#c{comment_id}-title"
        assert f"Moderate it: {link}" in text and f'<a href="{link.replace("&", "&amp;")}">Moderate it</a>' in html
    assert "Moderate them: https://comments.example/moderate?status=pending" in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; **bold**" in html
    assert "Reader &lt;0&gt;" in html and "Spine &lt;care&gt;" in html and "too_many_links" in html


def test_a_digest_whose_comments_were_all_moderated_mails_nothing_and_later_ones_get_the_next(
        make_app, smtp, moderator):
    app = digest_app(make_app, smtp)
    client = app.test_client()
    first = post_comment(client, "p", body="handled in time").get_json()["id"]
    moderate(client, moderator, first, "reject")
    make_due(app)
    assert run_jobs(app) == 1 and job_rows(app) == [] and smtp.messages == []
    for n in range(12):  # a new job for the same period: the first one already ran
        post_comment(client, "p", body=f"late comment {n}")
    [digest] = job_rows(app)
    assert len(digest.payload["comments"]) == 12
    make_due(app)
    run_jobs(app)
    [received] = smtp.wait_for(1)
    assert received.message["Subject"] == "12 comments await moderation"
    assert all(f"late comment {n}\r\n" in texts(received.message)[0] for n in range(12))


def test_without_a_digest_each_comment_is_a_mail_at_once(make_app, smtp):
    app = digest_app(make_app, smtp, minutes=0)
    for n in range(2):
        post_comment(app.test_client(), "p", body=f"comment {n}")
    assert [j.kind for j in job_rows(app)] == ["moderator-mail", "moderator-mail"]  # composed when they run
    run_jobs(app)
    assert [m.message["Subject"] for m in smtp.wait_for(2)] == ["New comment by Ada on \u201cp\u201d awaits moderation"] * 2


def test_comments_written_at_once_from_two_threads_all_join_the_one_digest(make_app, smtp):
    app = digest_app(make_app, smtp)

    def write(n: int) -> list[int]:
        client = app.test_client()
        return [post_comment(client, "p", body=f"thread {n} comment {k}").get_json()["id"] for k in range(10)]

    with ThreadPoolExecutor(2) as pool:
        written = [i for ids in pool.map(write, range(2)) for i in ids]
    [digest] = job_rows(app)
    assert sorted(digest.payload["comments"]) == sorted(written) and len(written) == 20
