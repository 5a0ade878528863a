"""Reading threads: approved only, nested replies, sorts, stable keyset paging."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import flask_migrate
import pytest
from sqlalchemy import event, select, update

from comments_service.comment_writes import edit_deadline
from comments_service.extensions import db
from comments_service.models import Comment, Post
from comments_service.shapes import COMMENT_CREATED
from tests.helpers import approve, approved_comment, post_comment


def ids(comments):
    return [c["id"] for c in comments]


def test_thread_shape(client, moderator):
    created = approved_comment(client, moderator, "p", author="Ada", website="https://ada.example", email="ada@example.com")
    data = client.get("/api/posts/p/comments").get_json()
    assert set(data) == {"post", "comments", "next_cursor"}
    assert data["post"]["slug"] == "p" and data["post"]["comment_count"] == 1
    comment = data["comments"][0]
    assert comment["id"] == created["id"]
    assert comment["author"] == "Ada" and comment["website"] == "https://ada.example"
    assert comment["parent_id"] is None and comment["replies"] == [] and comment["deleted"] is False
    assert comment["created_at"].endswith("Z") and comment["edited_at"] is None
    assert len(comment["avatar"]) == 32 and "ada" not in comment["avatar"]
    assert "email" not in comment and "status" not in comment


def test_replies_nest_under_their_parents(client, moderator):
    top = approved_comment(client, moderator, "p")
    reply = approved_comment(client, moderator, "p", parent_id=top["id"])
    deeper = approved_comment(client, moderator, "p", parent_id=reply["id"])
    pending = post_comment(client, "p", parent_id=top["id"]).get_json()
    thread = client.get("/api/posts/p/comments").get_json()["comments"]
    assert ids(thread) == [top["id"]]
    assert ids(thread[0]["replies"]) == [reply["id"]]
    assert ids(thread[0]["replies"][0]["replies"]) == [deeper["id"]]
    assert pending["status"] == "pending"
    assert client.get("/api/posts/p").get_json()["comment_count"] == 3


def test_sorts(client, moderator, app):
    first = approved_comment(client, moderator, "p")
    second = approved_comment(client, moderator, "p")
    third = approved_comment(client, moderator, "p")
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == second["id"]).values(like_count=5))
        db.session.execute(update(Comment).where(Comment.id == third["id"]).values(like_count=2))
        db.session.commit()
    get = lambda sort: ids(client.get(f"/api/posts/p/comments?sort={sort}").get_json()["comments"])  # noqa: E731
    assert get("oldest") == [first["id"], second["id"], third["id"]]
    assert get("newest") == [third["id"], second["id"], first["id"]]
    assert get("top") == [second["id"], third["id"], first["id"]]


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_paging_visits_every_comment_once_while_new_ones_arrive(client, moderator, sort):
    made = [approved_comment(client, moderator, "p")["id"] for _ in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/api/posts/p/comments?sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url).get_json()
        seen += ids(data["comments"])
        pages += 1
        if pages == 1:
            approved_comment(client, moderator, "p")  # arrives between page 1 and 2
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert set(made) <= set(seen)
    assert pages >= 3


def test_default_limit_is_20(client, moderator):
    for _ in range(21):
        approved_comment(client, moderator, "p")
    data = client.get("/api/posts/p/comments").get_json()
    assert len(data["comments"]) == 20 and data["next_cursor"]
    rest = client.get(f"/api/posts/p/comments?cursor={data['next_cursor']}").get_json()
    assert len(rest["comments"]) == 1 and rest["next_cursor"] is None


def test_page_costs_fixed_queries_whatever_size_and_depth(client, moderator, count_queries):
    def measure():
        counter = count_queries()
        assert client.get("/api/posts/p/comments?limit=100", headers={"X-Reader-Token": "r" * 20}).status_code == 200
        return counter.count

    parent = approved_comment(client, moderator, "p")
    small = measure()
    for _ in range(6):
        top = approved_comment(client, moderator, "p")
        for _ in range(3):
            parent = approved_comment(client, moderator, "p", parent_id=parent["id"])
        approved_comment(client, moderator, "p", parent_id=top["id"])
    assert measure() == small
    assert small <= 5


def test_deleted_comment_with_replies_stays_as_placeholder(client, moderator):
    top = approved_comment(client, moderator, "p", author="Ann", body="original")
    reply = approved_comment(client, moderator, "p", parent_id=top["id"])
    assert client.delete(f"/api/comments/{top['id']}", headers={"X-Edit-Token": top["edit_token"]}).status_code == 204
    thread = client.get("/api/posts/p/comments").get_json()
    placeholder = thread["comments"][0]
    assert placeholder["deleted"] is True and placeholder["author"] == "" and placeholder["body_html"] == ""
    assert ids(placeholder["replies"]) == [reply["id"]]
    assert thread["post"]["comment_count"] == 1
    # When its last reply goes, the placeholder goes too.
    assert client.delete(f"/api/comments/{reply['id']}", headers={"X-Edit-Token": reply["edit_token"]}).status_code == 204
    assert client.get("/api/posts/p/comments").get_json()["comments"] == []


def test_post_moderation_publishes_at_once(make_app):
    app = make_app(MODERATION="post")
    client = app.test_client()
    created = post_comment(client, "p").get_json()
    assert created["status"] == "approved"
    assert ids(client.get("/api/posts/p/comments").get_json()["comments"]) == [created["id"]]


def test_without_auto_create_unknown_posts_are_404(make_app, editor):
    app = make_app(AUTO_CREATE_POSTS=False)
    client = app.test_client()
    assert post_comment(client, "p").status_code == 404
    client.put("/api/posts/p", json={"title": "P", "url": "https://b.example/p"}, headers=editor)
    assert post_comment(client, "p").status_code == 201


def test_new_comment_response(client):
    response = post_comment(client, "p", email="x@example.com")
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "pending" and data["edit_token"] and data["edit_until"].endswith("Z")
    until = datetime.fromisoformat(data["edit_until"].replace("Z", "+00:00"))
    created = datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=899) <= until - created <= timedelta(seconds=901)
    assert "email" not in data



@pytest.mark.parametrize(
    ("moderation", "fields"),
    [
        ("pre", {"email": "x@example.com"}),
        ("post", {"author": "Zo\u00eb \u201cZ\u201d </script>", "website": "https://zoe.example/?a=1&b=<2>"}),
        ("post", {"website_confirm": "bot"}),  # spam: answered as pending
        ("post", {"body": "**bold** <em>x</em> & a [link](https://example.org/\u00e9)", "reply": True}),
    ],
)
def test_new_comment_answer_is_the_schema_dump_of_its_row(make_app, moderation, fields):
    # The answer is built without reading the row back: it must be byte for byte
    # what the shape's marshmallow schema and Flask's JSON make of the stored row.
    app = make_app(MODERATION=moderation)
    client = app.test_client()
    fields = dict(fields)
    if fields.pop("reply", False):
        top = post_comment(client, "p").get_json()
        with app.app_context():
            db.session.execute(update(Comment).where(Comment.id == top["id"]).values(status="approved"))
            db.session.commit()
        fields["parent_id"] = top["id"]
    response = post_comment(client, "p", **fields)
    assert response.status_code == 201 and response.mimetype == "application/json"
    token = response.get_json()["edit_token"]
    with app.app_context():
        row = db.session.get(Comment, response.get_json()["id"])
        row.edit_token = token
        row.edit_until = edit_deadline(row)
        row.subscription = None  # no SMTP_URL here: nobody is subscribed
        row.replies = []
        expected = app.json.response(COMMENT_CREATED.schema().dump(row)).get_data()
    assert response.get_data() == expected
    assert response.get_json()["parent_id"] == fields.get("parent_id")


def test_new_comment_is_not_read_back(count_queries, client):
    post_comment(client, "p")  # the post exists
    counter = count_queries()
    assert post_comment(client, "p").status_code == 201
    statements = [s.split()[0] for s in counter.statements]
    assert "INSERT" in statements
    assert "SELECT" not in statements[statements.index("INSERT"):]


@pytest.mark.parametrize(
    ("settings", "after_select"),
    [
        ({"MODERATION": "pre", "AUTO_APPROVE_KNOWN_AUTHORS": True}, ["INSERT"]),
        ({"MODERATION": "post"}, ["WITH"]),  # the INSERT and the post's count in one statement
    ],
)
def test_a_reply_is_checked_in_the_statement_that_reads_its_post(make_app, moderator, settings, after_select):
    # The parent, bans, the duplicate window and known authors are read with the post: one SELECT.
    app = make_app(DUPLICATE_WINDOW_SECONDS=600, **settings)
    client = app.test_client()
    top = approved_comment(client, moderator, "p", body="first")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *rest: statements.append(statement.split()[0])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = post_comment(client, "p", email="r@example.com", parent_id=top["id"])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 201, response.get_json()
    # After the commit nothing is read back: the live streams get the comment as written (live.written).
    assert statements == ["SELECT", *after_select]
    with app.app_context():
        row = db.session.get(Comment, response.get_json()["id"])
        assert (row.parent_id, row.root_id) == (top["id"], top["id"])


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_a_post_counts_the_comments_it_publishes_at_once(make_app, tmp_path, database):
    # Under post-moderation the INSERT and the count go together (one statement on PostgreSQL, two on SQLite).
    settings = {"MODERATION": "post", "MAX_LINKS": 1, "DUPLICATE_WINDOW_SECONDS": 600}
    if database == "sqlite":
        settings.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'c.db'}", REDIS_URL=None)
    app = make_app(**settings)
    client = app.test_client()
    if database == "sqlite":
        with app.app_context():
            flask_migrate.upgrade()
    first = post_comment(client, "p", body="one").get_json()
    with app.app_context():
        db.session.execute(update(Post).where(Post.slug == "p").values(updated_at=datetime(2020, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
    reply = post_comment(client, "p", body="two", parent_id=first["id"]).get_json()
    held = post_comment(client, "p", body="[a](https://a.example) [b](https://b.example)").get_json()
    spam = post_comment(client, "p", body="three", website_confirm="x").get_json()
    assert post_comment(client, "p", body="two").status_code == 409
    assert [c["status"] for c in (first, reply, held, spam)] == ["approved", "approved", "pending", "pending"]
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "p"))
        assert post.comment_count == 2
        assert post.updated_at.replace(tzinfo=timezone.utc) > datetime(2021, 1, 1, tzinfo=timezone.utc)
        rows = {c.id: c for c in db.session.scalars(select(Comment))}
        assert [rows[c["id"]].status for c in (first, reply, held, spam)] == ["approved", "approved", "pending", "spam"]
        assert (rows[reply["id"]].parent_id, rows[reply["id"]].root_id) == (first["id"], first["id"])
        assert rows[held["id"]].spam_reasons == ["too_many_links"] and rows[spam["id"]].spam_reasons == ["honeypot"]
        assert rows[first["id"]].body_source == "one" and rows[first["id"]].avatar == first["avatar"]
    assert [c["id"] for c in client.get("/api/posts/p/comments").get_json()["comments"]] == [first["id"]]

class TestAuthorEdits:
    def test_edit_within_window(self, client, moderator):
        created = approved_comment(client, moderator, "p", body="first")
        response = client.patch(f"/api/comments/{created['id']}", json={"body": "*second*"}, headers={"X-Edit-Token": created["edit_token"]})
        assert response.status_code == 200
        assert response.get_json()["body_html"] == "<p><em>second</em></p>"
        assert response.get_json()["edited_at"]

    def test_edit_of_approved_comment_goes_back_to_pending(self, client, moderator):
        created = approved_comment(client, moderator, "p")
        client.patch(f"/api/comments/{created['id']}", json={"body": "changed"}, headers={"X-Edit-Token": created["edit_token"]})
        assert client.get("/api/posts/p/comments").get_json()["comments"] == []
        assert client.get("/api/posts/p").get_json()["comment_count"] == 0
        queue = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
        assert queue[0]["body_source"] == "changed"

    def test_edit_under_post_moderation_stays_public(self, make_app):
        client = make_app(MODERATION="post").test_client()
        created = post_comment(client, "p").get_json()
        client.patch(f"/api/comments/{created['id']}", json={"body": "changed"}, headers={"X-Edit-Token": created["edit_token"]})
        thread = client.get("/api/posts/p/comments").get_json()["comments"]
        assert thread[0]["body_html"] == "<p>changed</p>"

    def test_wrong_or_missing_token(self, client, moderator):
        one = approved_comment(client, moderator, "p")
        two = approved_comment(client, moderator, "p")
        url = f"/api/comments/{one['id']}"
        assert client.patch(url, json={"body": "x"}).status_code == 401
        assert client.patch(url, json={"body": "x"}, headers={"X-Edit-Token": two["edit_token"]}).status_code == 403
        assert client.patch(url, json={"body": "x"}, headers={"X-Edit-Token": "forged"}).status_code == 403
        assert client.delete(url, headers={"X-Edit-Token": two["edit_token"]}).status_code == 403
        assert client.patch("/api/comments/99999", json={"body": "x"}, headers={"X-Edit-Token": "t"}).status_code == 404

    def test_window_closes(self, client, moderator, app):
        created = approved_comment(client, moderator, "p")
        with app.app_context():
            past = datetime.now(timezone.utc) - timedelta(seconds=901)
            db.session.execute(update(Comment).where(Comment.id == created["id"]).values(created_at=past))
            db.session.commit()
        headers = {"X-Edit-Token": created["edit_token"]}
        response = client.patch(f"/api/comments/{created['id']}", json={"body": "late"}, headers=headers)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "edit_window_closed"
        assert client.delete(f"/api/comments/{created['id']}", headers=headers).status_code == 403
        assert len(client.get("/api/posts/p/comments").get_json()["comments"]) == 1

    def test_window_is_a_setting(self, make_app):
        client = make_app(EDIT_WINDOW_SECONDS=0).test_client()
        created = post_comment(client, "p").get_json()
        response = client.delete(f"/api/comments/{created['id']}", headers={"X-Edit-Token": created["edit_token"]})
        assert response.status_code == 403

    def test_delete_pending_comment(self, client, moderator):
        created = post_comment(client, "p").get_json()
        assert client.delete(f"/api/comments/{created['id']}", headers={"X-Edit-Token": created["edit_token"]}).status_code == 204
        assert client.get("/api/moderation/comments", headers=moderator).get_json()["comments"] == []
        assert client.delete(f"/api/comments/{created['id']}", headers={"X-Edit-Token": created["edit_token"]}).status_code == 404


def test_counts(client, moderator):
    approved_comment(client, moderator, "a")
    reply_to = approved_comment(client, moderator, "a")
    approved_comment(client, moderator, "a", parent_id=reply_to["id"])
    post_comment(client, "a")
    approved_comment(client, moderator, "b")
    data = client.get("/api/counts?post=a&post=b&post=unknown").get_json()
    assert data == {"counts": {"a": {"comments": 3, "likes": 0}, "b": {"comments": 1, "likes": 0}, "unknown": {"comments": 0, "likes": 0}}}
    assert client.get("/api/posts/a").get_json()["comment_count"] == 3


def test_reply_arrives_after_parent_is_approved(client, moderator):
    top = post_comment(client, "p").get_json()
    approve(client, moderator, top["id"])
    assert post_comment(client, "p", parent_id=top["id"]).status_code == 201


def test_a_very_deep_reply_chain_is_capped_not_a_server_error(make_app):
    from comments_service.threads import MAX_DEPTH

    client = make_app(MODERATION="post").test_client()
    parent = post_comment(client, "deep").get_json()
    chain = [parent["id"]]
    for i in range(250):
        reply = post_comment(client, "deep", parent_id=chain[-1], body=f"level {i + 1}").get_json()
        chain.append(reply["id"])
    response = client.get("/api/posts/deep/comments")
    assert response.status_code == 200
    node, depth = response.get_json()["comments"][0], 0
    while node["replies"]:
        depth += 1
        assert depth <= MAX_DEPTH
        if depth == MAX_DEPTH:
            deepest = node["replies"]
            break
        node = node["replies"][0]
    # Everything below the cap is shown at the cap, in order, with its true parent.
    assert [c["id"] for c in deepest] == chain[MAX_DEPTH:]
    assert all(c["replies"] == [] for c in deepest)
    assert [c["parent_id"] for c in deepest] == chain[MAX_DEPTH - 1:-1]
    assert response.get_json()["post"]["comment_count"] == 251


def test_refused_comments_create_no_post(client, app):
    # Checked before the database is asked: nothing is written for them, not even the post.
    assert post_comment(client, "never-a", author="\u200b").status_code == 422
    assert post_comment(client, "never-b", body="<p></p>").status_code == 422
    assert post_comment(client, "never-c", parent_id=1).status_code == 422
    for slug in ("never-a", "never-b", "never-c"):
        assert client.get(f"/api/posts/{slug}").status_code == 404
    assert post_comment(client, "never-d").status_code == 201
    assert client.get("/api/posts/never-d").status_code == 200
