"""The export's pins, earlier texts and readers' reports: back on their comments' new ids; old files read; bad ones refused."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select

from comments_service.auth import create_api_token
from comments_service.extensions import db
from comments_service.models import Comment, ModerationEvent, Post, Role
from comments_service.moderation_models import CommentReport, CommentRevision
from tests.helpers import approve, approved_comment, post_comment, walk
from tests.test_export import desk_answers, empty_everything, run, without_ids

SORTS = ("oldest", "newest", "top")


@dataclass
class Site:
    """An installation to move from or to: its app and a moderator's headers."""

    app: Flask
    moderator: dict[str, str]

    @property
    def client(self) -> Any:
        return self.app.test_client()

    def cli(self, *args: Any) -> str:
        return run(self.app.test_cli_runner(), *args)


def sqlite_site(make_app: Callable[..., Flask], path: Any) -> Site:
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", REDIS_URL=None)
    with app.app_context():
        flask_migrate.upgrade()
        token = create_api_token("test-moderator", Role.MODERATOR)
    return Site(app, {"Authorization": f"Bearer {token}"})


@pytest.fixture(params=["postgresql", "sqlite"])
def move(request, app, moderator, make_app, tmp_path) -> tuple[Site, Callable[[], Site]]:
    """Return the site to move from, and how to get the empty one it moves to (on PostgreSQL: the same, emptied)."""
    if request.param == "postgresql":
        return Site(app, moderator), lambda: Site(app, empty_everything(app))
    return sqlite_site(make_app, tmp_path / "from.db"), lambda: sqlite_site(make_app, tmp_path / "to.db")


def reader(n: int) -> dict[str, str]:
    return {"X-Reader-Token": f"reporting-reader-{n:04d}"}


def community(site: Site) -> None:
    """Fill the thread "hello": an edited comment, reports (held, dismissed, open), a reply, the newest one pinned."""
    client, moderator = site.client, site.moderator
    first = approved_comment(client, moderator, body="The first word")
    edited = post_comment(client, body="First **draft**").get_json()
    for body in ("Second draft", "Final _text_"):
        answer = client.patch(f"/api/comments/{edited['id']}", json={"body": body},
                              headers={"X-Edit-Token": edited["edit_token"]})
        assert answer.status_code == 200, answer.get_json()
    approve(client, moderator, edited["id"])
    held = approved_comment(client, moderator, body="Rude words")
    for n, reason in enumerate(("abuse", "abuse", "off-topic")):
        assert client.post(f"/api/comments/{held['id']}/reports", json={"reason": reason},
                           headers=reader(n)).status_code == 201
    assert client.post(f"/api/comments/{first['id']}/reports", json={"reason": "spam"},
                       headers=reader(5)).status_code == 201
    assert client.post(f"/api/moderation/comments/{first['id']}/reports/dismiss", headers=moderator).status_code == 200
    assert client.post(f"/api/comments/{edited['id']}/reports", json={"reason": "other", "note": "said  twice"},
                       headers=reader(6)).status_code == 201
    approved_comment(client, moderator, body="A reply", parent_id=first["id"])
    pinned = approved_comment(client, moderator, body="Read this first")
    assert client.post(f"/api/moderation/comments/{pinned['id']}/pin", headers=moderator).status_code == 200


def moderated(site: Site, body: str, status: str = "approved") -> dict[str, Any]:
    """Find a comment of "hello" in the moderation queue by its text."""
    queue = site.client.get(f"/api/moderation/comments?post=hello&status={status}&limit=100",
                            headers=site.moderator).get_json()["comments"]
    return next(c for c in queue if c["body_source"] == body)


def answers(site: Site) -> dict[str, Any]:
    """Collect what readers and moderators are served of "hello": page one of each sort, queues, revisions, reports."""
    client, moderator = site.client, site.moderator
    found: dict[str, Any] = {}
    for sort in SORTS:
        found[f"thread:{sort}"] = client.get(f"/api/posts/hello/comments?sort={sort}&limit=2").get_json()
    found.update(desk_answers(client, moderator, ("approved", "pending"), query="post=hello&"))
    return without_ids(found)


def drift(site: Site) -> None:
    check = site.app.test_cli_runner().invoke(args=["check"])
    assert check.exit_code == 0 and "no drift" in check.output, check.output


def test_pins_earlier_texts_and_reports_come_back_on_the_comments_they_belong_to(move, tmp_path):
    source, destination = move
    community(source)
    before = answers(source)
    path = tmp_path / "everything.json"
    source.cli("export", path)
    exported = json.loads(path.read_text(encoding="utf-8"))
    site = destination()
    # Comments of its own first: no imported comment keeps its exported id.
    for n in range(3):
        approved_comment(site.client, site.moderator, "elsewhere", body=f"already here {n}")
    output = site.cli("import", "json", path)
    assert "skipped: 0" in output and "earlier texts of comments: 2 new, readers' reports: 5 new" in output
    assert answers(site) == before
    drift(site)

    edited = moderated(site, "Final _text_")
    [old_id] = {r["comment_id"] for r in exported["revisions"]}
    assert edited["id"] != old_id
    revisions = site.client.get(f"/api/moderation/comments/{edited['id']}/revisions", headers=site.moderator)
    assert [r["body_source"] for r in revisions.get_json()["revisions"]] == ["First **draft**", "Second draft"]
    assert edited["reports"] == {"count": 1, "reasons": {"other": 1}, "notes": ["said twice"]}
    for sort in SORTS:
        first_page = site.client.get(f"/api/posts/hello/comments?sort={sort}&limit=2").get_json()["comments"]
        assert first_page[0]["pinned"] is True and first_page[0]["body_html"] == "<p>Read this first</p>", sort
        assert [c["pinned"] for c in first_page[1:]] == [False]

    # Held back by its readers' reports: still hidden, and dismissing them publishes it again, as before the move.
    held = moderated(site, "Rude words", "pending")
    assert held["reports"]["count"] == 3
    thread = site.client.get("/api/posts/hello/comments?limit=100").get_json()
    assert "<p>Rude words</p>" not in {c["body_html"] for c in walk(thread["comments"])}
    dismissed = site.client.post(f"/api/moderation/comments/{held['id']}/reports/dismiss", headers=site.moderator)
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "approved"
    after = site.client.get("/api/posts/hello/comments?limit=100").get_json()
    assert "<p>Rude words</p>" in {c["body_html"] for c in walk(after["comments"])}
    assert after["post"]["comment_count"] == thread["post"]["comment_count"] + 1
    # A dismissed report still counts the reader once: the same reader cannot report the comment again.
    first = moderated(site, "The first word")
    again = site.client.post(f"/api/comments/{first['id']}/reports", json={"reason": "spam"}, headers=reader(5))
    assert again.status_code == 200 and moderated(site, "The first word")["reports"]["count"] == 0
    drift(site)


def test_an_export_written_before_pins_revisions_and_reports_still_imports(app, moderator, client, runner, tmp_path):
    community(Site(app, moderator))
    path = tmp_path / "everything.json"
    run(runner, "export", path)
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["revisions"], document["reports"]
    for comment in document["comments"]:
        del comment["pinned"]
    path.write_text(json.dumps(document), encoding="utf-8")
    site = Site(app, empty_everything(app))

    output = run(runner, "import", "json", path)
    assert "skipped: 0" in output and "earlier texts" not in output
    thread = client.get("/api/posts/hello/comments?limit=100").get_json()
    assert [c["pinned"] for c in walk(thread["comments"])] == [False] * 4
    assert "<p>Rude words</p>" not in {c["body_html"] for c in walk(thread["comments"])}, "its status came with it"
    assert moderated(site, "Rude words", "pending")["reports"]["count"] == 0
    edited = moderated(site, "Final _text_")
    revisions = client.get(f"/api/moderation/comments/{edited['id']}/revisions", headers=site.moderator)
    assert revisions.get_json() == {"revisions": []}
    drift(site)


REPORT = {"comment_id": 1, "reader_hash": "ab" * 32, "reason": "spam", "note": None,
          "created_at": "2024-01-03T00:00:00Z", "dismissed_at": None}
REVISION = {"comment_id": 1, "body_source": "hello", "body_html": "<p>hello</p>",
            "written_at": "2024-01-02T00:00:00Z", "replaced_at": "2024-01-02T01:00:00Z"}


def small_export(**sections: Any) -> dict[str, Any]:
    comment = {"post": "p", "status": "approved", "author": "A", "body_source": "hi", "created_at": "2024-01-02T00:00:00Z"}
    return {
        "format": "comments-service-export", "version": 1, "site": "abc123", "exported_at": "2024-02-01T00:00:00Z",
        "posts": [{"slug": "p", "title": "P"}],
        "comments": [{**comment, "id": 1}, {**comment, "id": 2, "status": "deleted"},
                     {**comment, "id": 3, "parent_id": 2, "pinned": True, "body_source": "a reply"}],
        "moderation_log": [], **sections,
    }


def write(tmp_path, document: dict[str, Any]) -> str:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_earlier_texts_are_sanitized_again_and_a_placeholder_keeps_none(runner, client, moderator, tmp_path):
    document = small_export(
        revisions=[{**REVISION, "body_html": "<p>hello<script>x()</script></p>"}, {**REVISION, "comment_id": 2}],
        reports=[{**REPORT, "note": " buy \x07  now ", "dismissed_at": "2024-01-04T00:00:00Z"}],
    )
    output = run(runner, "import", "json", write(tmp_path, document))
    assert "earlier texts of comments: 1 new, readers' reports: 1 new" in output
    assert "comment 3: pinned, but only a top-level comment can be; imported unpinned" in output
    assert "1 earlier text(s) and report(s) of comments kept as placeholders were not kept" in output
    thread = client.get("/api/posts/p/comments").get_json()["comments"]
    assert [c["pinned"] for c in walk(thread)] == [False, False, False]
    first = next(c for c in walk(thread) if c["body_html"] == "<p>hi</p>")
    revisions = client.get(f"/api/moderation/comments/{first['id']}/revisions", headers=moderator).get_json()
    assert revisions["revisions"][0]["body_html"] == "<p>hellox()</p>"
    with client.application.app_context():
        assert db.session.scalar(select(CommentReport.note)) == "buy now"


@pytest.mark.parametrize("sections, message", [
    ({"reports": [REPORT, {**REPORT, "reader_hash": "cd" * 32, "reason": "boring"}]},
     "report #2: reason: Must be one of: spam, abuse, off-topic, other."),
    ({"revisions": [REVISION, {**REVISION, "comment_id": 99}]}, "revision #2: its comment 99 is not in the file"),
    ({"revisions": [{**REVISION, "written_at": "yesterday"}]}, "revision #1: written_at: Not an ISO 8601 time."),
    ({"reports": [{**REPORT, "reader_hash": "a reader"}]}, "report #1: reader_hash: "),
    ({"reports": [{**REPORT, "note": "x" * 501}]}, "report #1: note: "),
    ({"reports": {"comment_id": 1}}, "'reports' must be a list"),
])
def test_a_report_or_revision_that_does_not_fit_imports_nothing(runner, app, tmp_path, sections, message):
    result = runner.invoke(args=["import", "json", write(tmp_path, small_export(**sections))])
    assert result.exit_code == 1 and message in result.output and "Nothing was imported." in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        for model in (Post, Comment, CommentRevision, CommentReport, ModerationEvent):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
