"""Reply mails: one per reply that becomes public, never for one's own or a hidden reply, grouped per thread, stoppable.

Real mail through a private aiosmtpd server; links followed over HTTP the way
a mail client does (RFC 8058 one-click: a POST with the form body
``List-Unsubscribe=One-Click``, no cookies).
"""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from comments_service.extensions import db
from comments_service.mail_models import MailAddress, Subscription
from comments_service.times import utcnow
from tests.notify_helpers import (
    READER_A,
    READER_B,
    comment,
    http,
    link_to,
    links,
    make_due,
    moderate,
    release,
    run_jobs,
    texts,
)
from tests.servers import SmtpServer

ADA = "ada@example.com"


class Tags(HTMLParser):
    """The tag and attribute names of an HTML document, and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "href":
                self.hrefs.append(value or "")
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


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
def inbox(smtp, notify_app):
    smtp.messages.clear()
    notify_app.config["NOTIFY_GROUP_SECONDS"] = 0
    notify_app.config["MODERATION"] = "pre"
    return smtp.messages


@pytest.fixture
def client(notify_app):
    return notify_app.test_client()


@pytest.fixture
def post(client, editor):
    response = client.put("/api/posts/hello", json={"title": "Hello, world", "url": "https://blog.example/hello",
                                                    "tags": []}, headers=editor)
    assert response.status_code == 201
    return "hello"


@pytest.fixture
def subscribed(client, notify_app, moderator, inbox, post):
    """Ada's approved comment, subscribed and confirmed; the inbox emptied."""
    mine = comment(client, post, headers=READER_A, email=ADA, notify=True, body="What do you think?")
    moderate(client, moderator, mine["id"])
    run_jobs(notify_app)
    assert len(inbox) == 1
    status, _ = http(link_to(inbox[0].message, "/notifications/confirm/"), "POST")
    assert status == 200
    inbox.clear()
    return mine


def reply(client, parent, headers=READER_B, **fields):
    return comment(client, "hello", headers=headers, parent_id=parent["id"], author="Bob",
                   email=fields.pop("email", "bob@example.com"), **fields)


def test_each_approved_reply_mails_once_and_hidden_ones_never(client, notify_app, moderator, subscribed, inbox):
    pending = reply(client, subscribed, body="first reply")
    run_jobs(notify_app)
    assert inbox == [], "a pending reply is not public"
    moderate(client, moderator, pending["id"])
    run_jobs(notify_app)
    assert len(inbox) == 1 and inbox[0].recipients == [ADA]
    assert "first reply" in texts(inbox[0].message)[0]

    spam = reply(client, subscribed, body="buy now", website_confirm="bot")
    rejected = reply(client, subscribed, body="rude")
    moderate(client, moderator, rejected["id"], "reject")
    spammed = reply(client, subscribed, body="spammy")
    moderate(client, moderator, spammed["id"], "spam")
    run_jobs(notify_app)
    assert len(inbox) == 1 and spam["status"] == "pending"

    # Approved, hidden, approved again: mailed about once.
    moderate(client, moderator, pending["id"], "reject")
    moderate(client, moderator, pending["id"])
    run_jobs(notify_app)
    assert len(inbox) == 1


@pytest.mark.parametrize("own", [
    {"headers": READER_A, "email": "other@example.com"},  # the same reader token
    {"headers": READER_B, "email": "ADA@example.com"},  # the same address, any case
    {"headers": READER_A, "email": None},  # the same reader, no address
])
def test_ones_own_replies_mail_nothing(client, notify_app, moderator, subscribed, inbox, own):
    mine = reply(client, subscribed, headers=own["headers"], email=own["email"], body="answering myself")
    moderate(client, moderator, mine["id"])
    run_jobs(notify_app)
    assert inbox == []


def test_a_reply_to_another_comment_or_a_reply_published_at_once_each_do_the_right_thing(
        client, notify_app, moderator, subscribed, inbox):
    other = comment(client, "hello", headers=READER_B, author="Bob", body="another thread")
    moderate(client, moderator, other["id"])
    to_other = reply(client, other, headers={"X-Reader-Token": "reader-token-of-cy-0000003"}, body="not Ada's")
    moderate(client, moderator, to_other["id"])
    run_jobs(notify_app)
    assert inbox == []
    # Under post-moderation a reply is public when posted: the notice is written with it.
    notify_app.config["MODERATION"] = "post"
    at_once = reply(client, subscribed, body="published at once")
    assert at_once["status"] == "approved"
    run_jobs(notify_app)
    assert len(inbox) == 1 and "published at once" in texts(inbox[0].message)[0]


HOSTILE = ("**Bold** <script>alert('x')</script> <img src=https://tracker.example/p.gif> "
           "[click](javascript:alert(1)) <a href=\"https://evil.example\" onclick=\"x()\">evil</a> & <b>tags</b>")


def test_the_mail_is_text_and_escaped_html_with_only_our_links_and_threading(
        client, notify_app, moderator, subscribed, inbox):
    first = reply(client, subscribed, body=HOSTILE)
    moderate(client, moderator, first["id"])
    second = reply(client, subscribed, body="second")
    moderate(client, moderator, second["id"])
    run_jobs(notify_app)
    assert len(inbox) == 2
    message = inbox[0].message
    text, html = texts(message)
    # Plain text: what the reader sees of the reply, no markup.
    assert "Bold alert('x')" in text and "**" not in text and "<b>" not in text and "<script" not in text
    # HTML: only the tags and attributes of our own template; the reply's text escaped inside it.
    tags = Tags()
    tags.feed(html)
    assert tags.names <= {"html", "body", "p", "strong", "blockquote", "a"}, tags.names
    assert tags.attributes <= {"href", "style"}, tags.attributes
    assert "alert(&#39;x&#39;)" in html and "&amp; tags" in html
    assert not re.search(r"(?i)<(script|img|b|style|iframe)\b|\bsrc=|onclick|evil\.example|tracker", html)
    allowed = {"https://blog.example/hello", notify_app.live.url}
    assert tags.hrefs and all(h == "https://blog.example/hello" or h.startswith(notify_app.live.url + "/notifications/")
                              for h in tags.hrefs)
    assert {urlsplit(u).netloc for u in links(message)} <= {urlsplit(a).netloc for a in allowed}
    assert "evil.example" not in text  # the link's text stays, its address does not
    for name in ("Message-ID", "Date", "From", "To"):
        assert message[name]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"].startswith("<" + notify_app.live.url + "/notifications/unsubscribe/")
    # On the wire as it is (RFC 8058 clients read the raw header), not folded into encoded words.
    raw = dict(message.raw_items())["List-Unsubscribe"]
    assert raw == message["List-Unsubscribe"] and "=?" not in raw
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One conversation per subscription: both mails point at the same thread.
    later = inbox[1].message
    assert message["In-Reply-To"] and message["In-Reply-To"] == later["In-Reply-To"] == later["References"]
    assert message["Message-ID"] != later["Message-ID"]


def test_replies_that_come_close_together_are_grouped_in_one_mail_per_thread(
        client, notify_app, moderator, subscribed, inbox):
    notify_app.config["NOTIFY_GROUP_SECONDS"] = 300
    one, two = reply(client, subscribed, body="one"), reply(client, subscribed, body="two")
    moderate(client, moderator, one["id"])
    moderate(client, moderator, two["id"])
    run_jobs(notify_app)
    assert len(inbox) == 1
    text = texts(inbox[0].message)[0]
    assert "one" in text and "two" in text and "2 new replies" in inbox[0].message["Subject"]

    three, four = reply(client, subscribed, body="three"), reply(client, subscribed, body="four")
    moderate(client, moderator, three["id"])
    moderate(client, moderator, four["id"])
    run_jobs(notify_app)
    assert len(inbox) == 1, "within the thread's quiet time they wait"
    make_due(notify_app)
    run_jobs(notify_app)
    assert len(inbox) == 1, "even a job run early waits for the quiet time"
    with notify_app.app_context():
        db.session.execute(update(Subscription).values(notified_at=utcnow() - timedelta(seconds=301)))
        db.session.commit()
    make_due(notify_app)
    run_jobs(notify_app)
    assert len(inbox) == 2
    text = texts(inbox[1].message)[0]
    assert "three" in text and "four" in text and "one" not in text


def test_with_no_grouping_every_reply_is_its_own_mail(client, notify_app, moderator, subscribed, inbox):
    ids = [reply(client, subscribed, body=f"reply {n}")["id"] for n in range(3)]
    response = client.post("/api/moderation/comments/bulk", json={"ids": ids, "action": "approve"},
                           headers=moderator)
    assert response.status_code == 200
    run_jobs(notify_app)
    assert sorted(texts(m.message)[0].count("reply ") for m in inbox) == [1, 1, 1]


@pytest.mark.parametrize("body, content_type", [
    (ONE_CLICK, FORM),
    (b"--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n",
     "multipart/form-data; boundary=b"),
    (None, None),
])
def test_one_click_unsubscribe_stops_every_mail_at_once(client, notify_app, moderator, subscribed, inbox, body,
                                                         content_type):
    first = reply(client, subscribed, body="before")
    moderate(client, moderator, first["id"])
    run_jobs(notify_app)
    url = inbox[0].message["List-Unsubscribe"].strip("<>")
    status, _ = http(url, "POST", body, content_type)
    assert 200 <= status < 300
    with notify_app.app_context():
        assert db.session.get(MailAddress, 1).unsubscribed_at is not None
    after = reply(client, subscribed, body="after")
    moderate(client, moderator, after["id"])
    # Nobody may subscribe the address again by typing it.
    again = comment(client, "hello", email=ADA, notify=True, body="new thread")
    assert again["subscription"] is None
    run_jobs(notify_app)
    assert len(inbox) == 1
    # Its page says so, and the owner (holding the link) can allow mail again.
    status, page = http(url)
    assert status == 200 and "no more mail" in page
    resume = re.search(r'action="(/notifications/resume/[^"]+)"', page).group(1)
    assert http(notify_app.live.url + resume, "POST")[0] == 200
    assert comment(client, "hello", email=ADA, notify=True, body="newer")["subscription"] == "active"


def test_a_pending_notice_is_dropped_when_the_address_stops_all_mail(client, notify_app, moderator, subscribed,
                                                                     inbox):
    notify_app.config["NOTIFY_GROUP_SECONDS"] = 300
    first = reply(client, subscribed, body="first")
    moderate(client, moderator, first["id"])
    run_jobs(notify_app)
    url = inbox[0].message["List-Unsubscribe"].strip("<>")
    waiting = reply(client, subscribed, body="waiting")
    moderate(client, moderator, waiting["id"])
    assert http(url, "POST", ONE_CLICK, FORM)[0] == 200
    with notify_app.app_context():
        db.session.execute(update(Subscription).values(notified_at=utcnow() - timedelta(seconds=301)))
        db.session.commit()
    make_due(notify_app)
    run_jobs(notify_app)
    assert len(inbox) == 1


def test_stopping_one_thread_leaves_the_others(client, notify_app, moderator, subscribed, inbox):
    second = comment(client, "hello", headers=READER_A, email=ADA, notify=True, body="Another question")
    assert second["subscription"] == "active"
    moderate(client, moderator, second["id"])
    moderate(client, moderator, reply(client, subscribed, body="to the first")["id"])
    run_jobs(notify_app)
    stop = link_to(inbox[0].message, "/notifications/stop-thread/")
    status, page = http(stop)
    assert status == 200 and "Stop this thread" in page
    assert http(stop, "POST", b"stop=thread", FORM)[0] == 200
    moderate(client, moderator, reply(client, subscribed, body="to the first again")["id"])
    moderate(client, moderator, reply(client, second, body="to the second")["id"])
    run_jobs(notify_app)
    assert len(inbox) == 2 and "to the second" in texts(inbox[1].message)[0]


def test_a_bounced_address_gets_nothing_more(client, notify_app, moderator, subscribed, inbox, runner):
    result = notify_app.test_cli_runner().invoke(args=["notifications", "bounced", "ADA@example.com"])
    assert result.exit_code == 0, result.output
    moderate(client, moderator, reply(client, subscribed, body="into the void")["id"])
    run_jobs(notify_app)
    assert inbox == []
    assert comment(client, "hello", email=ADA, notify=True, body="again")["subscription"] is None
    unknown = notify_app.test_cli_runner().invoke(args=["notifications", "bounced", "nobody@example.com"])
    assert unknown.exit_code != 0 and "nobody@example.com" in unknown.output
