"""Signed-in readers: the account's name and the verified mark, likes per account, bans, anonymous off, export, erase."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from comments_service.account_models import ReaderAccount, ReaderIdentity, ReaderSession
from comments_service.extensions import db
from comments_service.models import Comment, ModerationEvent, PostLike
from tests.accounts_helpers import BLOG, SSO_SECRET, session, sign_in
from tests.helpers import approve, walk
from tests.test_moderate_page import PASSWORD

BROWSER_A, BROWSER_B = "browser-a-token-0123456789", "browser-b-token-0123456789"


@pytest.fixture(scope="module")
def sso_app(make_app):
    return make_app(SSO_SECRET=SSO_SECRET, CORS_ORIGINS=[BLOG])


@pytest.fixture
def web(sso_app):
    return sso_app.test_client()


def post(web, headers, slug="hello", **fields):
    response = web.post(f"/api/posts/{slug}/comments", json={"body": "Hello there", **fields}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def thread(web, slug="hello", headers=None):
    return walk(web.get(f"/api/posts/{slug}/comments", headers=headers or {}).get_json()["comments"])


def test_a_signed_in_comment_carries_the_account_name_whatever_is_typed_and_is_verified(web, moderator):
    ada = sign_in(web, sub="ada", name="Ada Lovelace")
    created = post(web, session(ada, BROWSER_A), author="Charles Babbage")
    assert created["author"] == "Ada Lovelace" and created["verified"] is True
    no_name = post(web, session(ada, BROWSER_A))  # no name at all: the account's
    assert no_name["author"] == "Ada Lovelace"
    anonymous = post(web, {"X-Reader-Token": BROWSER_B}, author="Ada Lovelace")
    assert anonymous["verified"] is False
    for comment in (created, no_name, anonymous):
        approve(web, moderator, comment["id"])
    shown = {c["id"]: c for c in thread(web)}
    assert shown[created["id"]]["verified"] is True and shown[created["id"]]["author"] == "Ada Lovelace"
    assert shown[anonymous["id"]]["verified"] is False
    item = web.get("/api/moderation/comments?status=approved", headers=moderator).get_json()["comments"]
    by_id = {c["id"]: c for c in item}
    with web.application.app_context():
        account_id = db.session.scalar(select(ReaderAccount.id))
    assert by_id[created["id"]]["account_id"] == account_id and by_id[anonymous["id"]]["account_id"] is None


def test_anonymous_comments_still_need_a_name(web):
    response = web.post("/api/posts/hello/comments", json={"body": "x"}, headers={"X-Reader-Token": BROWSER_A})
    assert response.status_code == 422 and "author" in response.get_json()["error"]["fields"]


def test_likes_are_counted_once_per_account_across_browsers(web, moderator):
    ada = sign_in(web, sub="ada")
    comment = post(web, {"X-Reader-Token": BROWSER_B}, author="Bob")
    approve(web, moderator, comment["id"])
    first = web.post("/api/posts/hello/likes", headers=session(ada, BROWSER_A)).get_json()
    second = web.post("/api/posts/hello/likes", headers=session(ada, BROWSER_B)).get_json()
    assert first == {"like_count": 1, "liked": True} and second == {"like_count": 1, "liked": True}
    # The other browser sees the like as the account's, with no token of its own at all.
    assert web.get("/api/posts/hello", headers=session(ada)).get_json()["liked"] is True
    assert web.get("/api/posts/hello", headers={"X-Reader-Token": BROWSER_B}).get_json()["liked"] is False
    assert web.post(f"/api/comments/{comment['id']}/likes", headers=session(ada, BROWSER_A)).get_json()["like_count"] == 1
    assert web.post(f"/api/comments/{comment['id']}/likes", headers=session(ada)).get_json()["like_count"] == 1
    # Another account is another like.
    bob = sign_in(web, sub="bob", name="Bob")
    assert web.post("/api/posts/hello/likes", headers=session(bob, BROWSER_A)).get_json()["like_count"] == 2
    assert web.delete("/api/posts/hello/likes", headers=session(ada, BROWSER_B)).get_json() == {
        "like_count": 1, "liked": False}


def test_banning_an_account_from_its_comment_holds_in_every_browser(web, moderator):
    ada = sign_in(web, sub="ada")
    first = post(web, session(ada, BROWSER_A))
    response = web.post("/api/moderation/bans", json={"kind": "reader", "comment_id": first["id"]}, headers=moderator)
    assert response.status_code == 201, response.get_json()
    later = post(web, session(ada, BROWSER_B))  # another browser, signed in as the same account
    spam = web.get("/api/moderation/comments?status=spam", headers=moderator).get_json()["comments"]
    assert [c["id"] for c in spam] == [later["id"]] and spam[0]["spam_reasons"] == ["banned"]
    assert post(web, {"X-Reader-Token": BROWSER_B}, author="Someone")["id"] not in [
        c["id"] for c in web.get("/api/moderation/comments?status=spam", headers=moderator).get_json()["comments"]]


def test_with_anonymous_off_only_signed_in_readers_comment(make_app):
    app = make_app(SSO_SECRET=SSO_SECRET, ANONYMOUS=False)
    web = app.test_client()
    response = web.post("/api/posts/hello/comments", json={"author": "Anon", "body": "hi"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "sign_in_required"
    assert "signed-in" in response.get_json()["error"]["message"]
    assert web.get("/api/session/methods").get_json()["anonymous"] is False
    assert post(web, session(sign_in(web)))["verified"] is True


def test_the_methods_say_what_is_offered(web, client):
    assert web.get("/api/session/methods").get_json() == {
        "anonymous": True, "sso": True, "mail": False, "oidc": [], "start": "/accounts/oidc/{name}/start"}
    assert client.get("/api/session/methods").get_json()["sso"] is False


def test_reply_mails_need_a_confirmed_address(web):
    nameless = sign_in(web, sub="no-mail")
    response = web.patch("/api/me", json={"notify_replies": True}, headers=session(nameless))
    assert response.status_code == 422 and "notify_replies" in response.get_json()["error"]["fields"]
    ada = sign_in(web, sub="ada", email="ada@example.com")
    assert web.patch("/api/me", json={"notify_replies": True}, headers=session(ada)).get_json()["reader"][
        "notify_replies"] is True
    assert web.patch("/api/me", json={"notify_replies": "yes"}, headers=session(ada)).status_code == 422


def test_export_holds_the_account_its_comments_and_likes(web, moderator):
    ada = sign_in(web, sub="ada", name="Ada", email="ada@example.com")
    created = post(web, session(ada, BROWSER_A), body="My **own** words")
    approve(web, moderator, created["id"])
    web.post("/api/posts/hello/likes", headers=session(ada))
    export = web.get("/api/me/export", headers=session(ada)).get_json()
    assert export["account"]["name"] == "Ada" and export["account"]["email"] == "ada@example.com"
    assert export["identities"] == [{"provider": "sso", "subject": "ada", "created_at": export["identities"][0]["created_at"]}]
    assert [c["body_source"] for c in export["comments"]] == ["My **own** words"]
    assert export["comments"][0]["post"] == "hello" and export["comments"][0]["status"] == "approved"
    assert export["likes"] == {"posts": ["hello"], "comments": []}
    assert len(export["sessions"]) == 1 and ada["session"] not in str(export)
    assert export["exported_at"].endswith("Z")
    assert web.get("/api/me/export").status_code == 401


def test_erase_removes_the_account_keeps_placeholders_for_replies_and_gives_back_likes(web, moderator):
    ada = sign_in(web, sub="ada", name="Ada", email="ada@example.com")
    answered = post(web, session(ada, BROWSER_A), body="Answered")
    alone = post(web, session(ada, BROWSER_A), body="Alone")
    for c in (answered, alone):
        approve(web, moderator, c["id"])
    reply = post(web, {"X-Reader-Token": BROWSER_B}, author="Bob", body="A reply", parent_id=answered["id"])
    approve(web, moderator, reply["id"])
    web.post("/api/posts/hello/likes", headers=session(ada))
    web.post(f"/api/comments/{reply['id']}/likes", headers=session(ada))
    response = web.delete("/api/me", headers=session(ada))
    assert response.status_code == 200 and response.get_json()["erased"] == 2
    shown = {c["id"]: c for c in thread(web)}
    assert alone["id"] not in shown
    assert shown[answered["id"]]["deleted"] is True and shown[answered["id"]]["author"] == ""
    assert shown[answered["id"]]["verified"] is False
    assert shown[reply["id"]]["like_count"] == 0
    assert web.get("/api/posts/hello").get_json()["like_count"] == 0
    assert web.get("/api/me", headers=session(ada)).status_code == 401
    with web.application.app_context():
        for table in (ReaderAccount, ReaderIdentity, ReaderSession, PostLike):
            assert db.session.scalar(select(func.count()).select_from(table)) == 0, table
        assert db.session.scalar(select(Comment.body_source).where(Comment.id == answered["id"])) == ""
        assert db.session.scalar(select(ModerationEvent.action).where(ModerationEvent.action == "account_erase"))
    # Signing in again makes a new, empty account.
    again = sign_in(web, sub="ada")
    assert web.get("/api/me", headers=session(again)).get_json()["comments"] == 0


def test_the_desk_shows_the_account_behind_a_comment_and_bans_it(app, client):
    from comments_service import accounts, users
    from comments_service.models import Role
    from tests.test_moderate_page import csrf, login

    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
        answer = accounts.sign_in("sso", "desk-ada", "Ada of the Desk", None)
    created = client.post("/api/posts/hello/comments", json={"body": "Hello desk", "author": "Typed"},
                          headers={"X-Reader-Session": answer["session"], "X-Reader-Token": BROWSER_A}).get_json()
    assert created["author"] == "Ada of the Desk"
    assert login(client).status_code == 303
    page = client.get("/moderate?status=pending").get_data(as_text=True)
    with app.app_context():
        account_id = db.session.scalar(select(ReaderAccount.id))
    assert f"account #{account_id}: Ada of the Desk (sso)" in page
    assert "signed-in account (every browser)" in page
    banned = client.post("/moderate/bans", data={"kind": "reader", "comment_id": created["id"],
                                                 "csrf_token": csrf(client, "/moderate?status=pending")})
    assert banned.status_code in (200, 303), banned.get_data(as_text=True)[:500]
    later = client.post("/api/posts/hello/comments", json={"body": "Again"},
                        headers={"X-Reader-Session": answer["session"], "X-Reader-Token": BROWSER_B}).get_json()
    with app.app_context():
        assert db.session.scalar(select(Comment.spam_reasons).where(Comment.id == later["id"])) == ["banned"]
