"""Trusted commenters: approved at once after TRUST_AFTER_APPROVED approved comments under a confirmed e-mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from comments_service.extensions import db
from comments_service.mail_models import MailAddress, Subscription
from comments_service.models import Comment
from comments_service.times import utcnow
from tests.helpers import approve

EMAIL = "maria@example.com"
TOKEN = {"X-Reader-Token": "maria-reader-token-0123456789"}
OTHER = {"X-Reader-Token": "someone-else-token-0123456789"}


@pytest.fixture
def trusting(make_app):
    app = make_app(TRUST_AFTER_APPROVED=2, BLOCKED_WORDS=["casino"])
    return app, app.test_client()


def post(client, body, headers=TOKEN, email=EMAIL, **fields):
    response = client.post("/api/posts/p/comments", json={"author": "Maria", "email": email, "body": body, **fields},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def verify(app, comment_id, confirmed=True):
    """Give the comment's address a subscription from its reader token, confirmed (or not) by the owner."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        address = MailAddress(email=comment.email, confirmed_at=utcnow() if confirmed else None)
        db.session.add(address)
        db.session.flush()
        db.session.add(Subscription(address_id=address.id, comment_id=comment.id, post_id=comment.post_id,
                                    reader_hash=comment.reader_hash))
        db.session.commit()


def history(app, client, moderator, approved=2, confirmed=True):
    made = [post(client, f"comment number {i}") for i in range(approved)]
    for comment in made:
        assert comment["status"] == "pending"
        approve(client, moderator, comment["id"])
    verify(app, made[0]["id"], confirmed)


def test_a_verified_author_with_enough_approved_comments_is_published_at_once(trusting, moderator):
    app, client = trusting
    history(app, client, moderator)
    created = post(client, "Now I am trusted")
    assert created["status"] == "approved"
    thread = client.get("/api/posts/p/comments").get_json()["comments"]
    assert created["id"] in [c["id"] for c in thread]
    # The e-mail is compared as stored (trimmed, lower-cased).
    assert post(client, "Shouting my address", email="  MARIA@Example.com ")["status"] == "approved"


def test_one_approved_comment_short_is_not_enough(trusting, moderator):
    app, client = trusting
    history(app, client, moderator, approved=1)
    assert post(client, "Not yet")["status"] == "pending"


def test_an_unconfirmed_address_is_not_a_verified_identity(trusting, moderator):
    app, client = trusting
    history(app, client, moderator, confirmed=False)
    assert post(client, "Unverified")["status"] == "pending"


def test_typing_a_trusted_address_from_another_browser_proves_nothing(trusting, moderator):
    app, client = trusting
    history(app, client, moderator)
    assert post(client, "I am Maria, honestly", headers=OTHER)["status"] == "pending"
    assert post(client, "No token at all", headers={})["status"] == "pending"


def test_spam_checks_still_apply_and_a_banned_author_is_never_trusted(trusting, moderator):
    app, client = trusting
    history(app, client, moderator)
    links = " ".join(f"[{i}](https://{i}.example)" for i in "abcd")
    assert post(client, links)["status"] == "pending"
    word = post(client, "Try the casino")
    honeypot = post(client, "hidden field", website_confirm="x")
    ban = client.post("/api/moderation/bans", json={"kind": "email", "value": EMAIL}, headers=moderator)
    assert ban.status_code == 201, ban.get_json()
    banned = post(client, "After the ban")
    with app.app_context():
        stored = {c.id: c for c in db.session.scalars(select(Comment))}
    assert stored[word["id"]].status.value == "spam" and stored[honeypot["id"]].status.value == "spam"
    assert stored[banned["id"]].status.value == "spam" and stored[banned["id"]].spam_reasons == ["banned"]


def test_off_by_default_and_under_post_moderation_nothing_changes(app, client, moderator, make_app):
    history(app, client, moderator)
    assert post(client, "The default is off")["status"] == "pending"
    post_app = make_app(TRUST_AFTER_APPROVED=2, MODERATION="post")
    assert post(post_app.test_client(), "Published anyway")["status"] == "approved"
