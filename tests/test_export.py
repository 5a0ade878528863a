"""export FILE.json and import json FILE.json: everything out, and back into an empty database unchanged."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select, text, update

from comments_service import cache, create_app
from comments_service.auth import create_api_token
from comments_service.extensions import db
from comments_service.models import Comment, ModerationEvent, Post, Role, Tag
from tests.conftest import REDIS_URL, TABLES
from tests.helpers import approve, approved_comment, post_comment, publish
from tests.test_ops import flask_cli

DATA = Path(__file__).resolve().parent / "data"
STATUSES = ("pending", "approved", "rejected", "spam")


def run(runner, *args):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def without_ids(value: Any) -> Any:
    """Drop what a new database numbers anew: comment ids, and cursors built from them."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k not in ("id", "parent_id", "next_cursor")}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def public_answers(client, moderator) -> dict[str, Any]:
    """Collect what readers and moderators are served, for every post."""
    slugs = sorted(p["slug"] for p in client_posts(client))
    answers: dict[str, Any] = {"counts": client.get("/api/counts?" + "&".join(f"post={s}" for s in slugs)).get_json()}
    for slug in slugs:
        answers[f"post:{slug}"] = client.get(f"/api/posts/{slug}").get_json()
        for sort in ("oldest", "newest", "top"):
            answers[f"thread:{slug}:{sort}"] = client.get(f"/api/posts/{slug}/comments?sort={sort}").get_json()
    answers.update(desk_answers(client, moderator, STATUSES))
    return without_ids(answers)


def desk_answers(client, moderator, statuses, query: str = "") -> dict[str, Any]:
    """Collect each status's queue (``query`` narrows it: ``post=hello&``), every item's revisions, and the reported."""
    found: dict[str, Any] = {}
    for status in statuses:
        queue = client.get(f"/api/moderation/comments?{query}status={status}&limit=100", headers=moderator).get_json()
        for item in queue["comments"]:
            item["revisions"] = client.get(f"/api/moderation/comments/{item['id']}/revisions",
                                           headers=moderator).get_json()["revisions"]
        found[f"queue:{status}"] = queue
    found["reported"] = client.get(f"/api/moderation/comments?{query}reported=true&limit=100",
                                   headers=moderator).get_json()
    return found


def client_posts(client) -> list[dict[str, Any]]:
    app = client.application
    with app.app_context():
        return [{"slug": s} for s in db.session.scalars(select(Post.slug))]


def tag_counts(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Tag.name, Tag.post_count).where(Tag.post_count > 0)).all())


def audit_log(client, moderator) -> list[dict[str, Any]]:
    events = client.get("/api/moderation/log?limit=100", headers=moderator).get_json()["events"]
    for event in events:
        event.pop("id")
        event["details"].pop("event_key", None)
        event["has_comment"] = event.pop("comment_id") is not None
    return events


def empty_everything(app) -> dict[str, str]:
    """Empty every table and the Redis index; return a new moderator's headers (tokens go too)."""
    with app.app_context():
        db.session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        db.session.commit()
        token = create_api_token("test-moderator", Role.MODERATOR)
        cache.drop_all()  # as an operator would: this process's own copies go at once
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def site(runner, client, editor, moderator, app):
    """Fill the service the ways it gets filled: publishing, readers, moderators, imports, likes."""
    run(runner, "demo", "load")
    run(runner, "import", "disqus", DATA / "disqus-export.xml")
    run(runner, "import", "wordpress", DATA / "wordpress-export.xml")
    publish(client, editor, "markdown-corner", title="Markdown corner", tags=["Writing", "spine"])
    top = approved_comment(client, moderator, "markdown-corner", author="Ann", email="ann@example.com",
                           website="https://ann.example", body="Some `code`, **bold** and a [link](https://x.example)")
    approved_comment(client, moderator, "markdown-corner", author="Ben", body="> quoted\n\nreply", parent_id=top["id"])
    rejected = post_comment(client, "markdown-corner", author="Cy", body="meh").get_json()
    client.post(f"/api/moderation/comments/{rejected['id']}/reject", headers=moderator)
    doomed = approved_comment(client, moderator, "markdown-corner", author="Dee", body="to be deleted")
    approved_comment(client, moderator, "markdown-corner", author="Eve", body="reply to Dee", parent_id=doomed["id"])
    client.delete(f"/api/moderation/comments/{doomed['id']}", headers=moderator)
    community(client, moderator, top["id"])
    with app.app_context():
        # Likes come as counts (readers' like rows are not part of the export).
        db.session.execute(update(Comment).where(Comment.id == top["id"]).values(like_count=7))
        db.session.execute(update(Post).where(Post.slug == "markdown-corner").values(like_count=12))
        db.session.commit()


def community(client, moderator, top_id: int) -> None:
    """Pin a comment, edit one twice, and have readers report: one report dismissed, one open, three that hide."""
    client.post(f"/api/moderation/comments/{top_id}/pin", headers=moderator)
    edited = post_comment(client, "markdown-corner", author="Fay", body="First **draft**").get_json()
    for body in ("Second draft", "Final _text_"):
        client.patch(f"/api/comments/{edited['id']}", json={"body": body}, headers={"X-Edit-Token": edited["edit_token"]})
    dismissed = client.post(f"/api/comments/{top_id}/reports", json={"reason": "spam", "note": "ads?"},
                            headers={"X-Reader-Token": "reporting-reader-0001"})
    assert dismissed.status_code == 201
    client.post(f"/api/moderation/comments/{top_id}/reports/dismiss", headers=moderator)
    held = approved_comment(client, moderator, "markdown-corner", author="Gus", body="rude words")
    for n, reason in enumerate(("abuse", "abuse", "off-topic")):
        client.post(f"/api/comments/{held['id']}/reports", json={"reason": reason},
                    headers={"X-Reader-Token": f"reporting-reader-{n + 2:04d}"})
    answer = approved_comment(client, moderator, "markdown-corner", author="Hal", body="on topic", parent_id=top_id)
    client.post(f"/api/comments/{answer['id']}/reports", json={"reason": "other", "note": "  a   duplicate "},
                headers={"X-Reader-Token": "reporting-reader-0005"})
    approve(client, moderator, edited["id"])


def test_export_then_import_into_an_empty_database_serves_the_same(site, runner, client, moderator, app, tmp_path):
    before, tags, log = public_answers(client, moderator), tag_counts(app), audit_log(client, moderator)
    path = tmp_path / "everything.json"
    output = run(runner, "export", path)
    assert "Exported 6 posts" in output and str(path) in output
    moderator = empty_everything(app)
    assert client.get("/api/posts/markdown-corner").status_code == 404

    output = run(runner, "import", "json", path)
    assert "skipped: 0" in output
    assert "earlier texts of comments: 2 new, readers' reports: 5 new" in output
    assert public_answers(client, moderator) == before
    assert tag_counts(app) == tags
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0 and "no drift" in check.output, check.output
    after = audit_log(client, moderator)
    assert after[0]["action"] == "import" and after[0]["details"]["source"] == "json"
    assert after[1:] == log


def test_the_export_is_documented_json_with_raw_text_and_threading(site, runner, tmp_path):
    path = tmp_path / "everything.json"
    run(runner, "export", path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "comments-service-export" and document["version"] == 1
    assert set(document) == {"format", "version", "exported_at", "site", "posts", "tags", "comments", "revisions",
                             "reports", "moderation_log", "mail_addresses"}
    post = next(p for p in document["posts"] if p["slug"] == "markdown-corner")
    assert post["tags"] == ["spine", "writing"] and post["like_count"] == 12 and post["comment_count"] == 5
    ann = next(c for c in document["comments"] if c["author"] == "Ann")
    assert ann["body_source"].startswith("Some `code`") and ann["email"] == "ann@example.com"
    assert ann["like_count"] == 7 and ann["status"] == "approved" and ann["post"] == "markdown-corner"
    ben = next(c for c in document["comments"] if c["author"] == "Ben")
    assert ben["parent_id"] == ann["id"]
    assert ann["pinned"] is True and ben["pinned"] is False
    fay = next(c for c in document["comments"] if c["author"] == "Fay")
    assert [(r["comment_id"], r["body_source"]) for r in document["revisions"]] == [
        (fay["id"], "First **draft**"), (fay["id"], "Second draft")]
    assert document["revisions"][0]["body_html"] == "<p>First <strong>draft</strong></p>"
    assert document["revisions"][0]["written_at"] == fay["created_at"]
    assert document["revisions"][1]["replaced_at"] <= fay["edited_at"]
    gus = next(c for c in document["comments"] if c["author"] == "Gus")
    assert gus["status"] == "pending"
    reports = {(r["comment_id"], r["reason"], r["note"], r["dismissed_at"] is not None) for r in document["reports"]}
    hal = next(c for c in document["comments"] if c["author"] == "Hal")
    assert reports == {(ann["id"], "spam", "ads?", True), (gus["id"], "abuse", None, False),
                       (gus["id"], "off-topic", None, False), (hal["id"], "other", "a duplicate", False)}
    assert len(document["reports"]) == 5 and all(len(r["reader_hash"]) == 64 for r in document["reports"])
    from_disqus = next(c for c in document["comments"] if c["body_source"].startswith("<p>I had two trigger"))
    assert from_disqus["import_key"] == "disqus:4401000001" and from_disqus["author"] == "Maria K."
    assert {"name": "back pain", "post_count": 4} in document["tags"]
    assert {e["action"] for e in document["moderation_log"]} >= {"approve", "reject", "delete", "import"}


def test_importing_the_same_export_twice_creates_nothing_twice(site, runner, client, moderator, app, tmp_path):
    path = tmp_path / "everything.json"
    run(runner, "export", path)
    moderator = empty_everything(app)
    run(runner, "import", "json", path)
    answers, log_length = public_answers(client, moderator), len(audit_log(client, moderator))
    output = run(runner, "import", "json", path)
    assert "comments: 0 new (none)" in output and "moderation log entries" not in output
    assert "earlier texts" not in output, "they came with their comments the first time"
    assert public_answers(client, moderator) == answers
    assert len(audit_log(client, moderator)) == log_length + 1  # only the second import's own entry


def test_an_export_import_does_not_duplicate_what_an_earlier_disqus_import_brought(runner, app, tmp_path):
    run(runner, "import", "disqus", DATA / "disqus-export.xml")
    path = tmp_path / "everything.json"
    run(runner, "export", path)
    empty_everything(app)
    run(runner, "import", "json", path)
    output = run(runner, "import", "disqus", DATA / "disqus-export.xml")
    assert "comments: 0 new (none), 9 already imported" in output


def test_items_that_do_not_fit_the_format_are_skipped_with_the_reason(runner, client, tmp_path):
    document = {
        "format": "comments-service-export", "version": 1, "site": "abc123", "exported_at": "2024-01-01T00:00:00Z",
        "posts": [{"slug": "p", "title": "P", "url": "https://b.example/p", "tags": ["x"]},
                  {"slug": "bad slug!", "title": "Q"}],
        "comments": [
            {"id": 1, "post": "p", "status": "approved", "author": "A", "body_source": "*hi*",
             "body_html": "<p><em>hi</em><script>x()</script></p>", "created_at": "2024-01-02T00:00:00Z"},
            {"id": 2, "post": "p", "status": "bogus", "author": "B", "body_source": "x", "created_at": "2024-01-02T00:00:00Z"},
            {"id": 3, "post": "p", "status": "approved", "author": "C", "body_source": "x"},
        ],
        "moderation_log": [],
    }
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    output = run(runner, "import", "json", path)
    assert "skipped: 3" in output
    assert "post #2: slug:" in output
    assert "comment 2: status: One of pending, approved" in output
    assert "comment 3: created_at: Missing data for required field." in output
    [comment] = client.get("/api/posts/p/comments").get_json()["comments"]
    # The stored HTML is sanitized again, never trusted.
    assert comment["body_html"] == "<p><em>hi</em>x()</p>"


@pytest.mark.parametrize("content, message", [
    ('{"format": "comments-service-export", "version": 1, "posts": [', "not valid JSON at line 1"),
    ('{"format": "something-else"}', "not an export of this service"),
    ('{"format": "comments-service-export", "version": 99, "site": "s"}', "export format version 99"),
    ("[" * 100000 + "]" * 100000, "JSON nested too deeply; refused"),
    ('{"format": "comments-service-export", "version": 1, "site": "s", "comments": {}}', "'comments' must be a list"),
])
def test_files_that_are_not_exports_change_nothing(runner, app, tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import", "json", str(path)])
    assert result.exit_code != 0 and message in result.output and "Nothing was imported." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModerationEvent)) == 0


def test_import_and_export_work_on_the_default_sqlite_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "REDIS_URL": "", "APP_ENV": "development"}
    for args in (("db", "upgrade"), ("import", "disqus", str(DATA / "disqus-export.xml")),
                 ("export", str(tmp_path / "out.json"))):
        done = flask_cli(*args, env=env)
        assert done.returncode == 0, done.stderr
    client = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "REDIS_URL": None, "TESTING": True}).test_client()
    thread = client.get("/api/posts/trigger-point-injection/comments").get_json()
    assert thread["post"]["comment_count"] == 4
    assert [r["author"] for r in thread["comments"][0]["replies"]] == ["Dr. Patel"]
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(exported["comments"]) == 9
