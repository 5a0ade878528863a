"""`flask check` finds counters that disagree with their rows, and `--repair` fixes them."""
from __future__ import annotations

from sqlalchemy import update

from comments_service.extensions import db
from comments_service.models import Comment, Post, Tag
from tests.helpers import approved_comment, post_comment, publish


def test_check_finds_nothing_after_normal_use(runner, client, moderator, editor):
    publish(client, editor, "a", tags=["x", "y"])
    top = approved_comment(client, moderator, "a")
    approved_comment(client, moderator, "a", parent_id=top["id"])
    post_comment(client, "a")
    rejected = approved_comment(client, moderator, "b")
    client.post(f"/api/moderation/comments/{rejected['id']}/reject", headers=moderator)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "no drift" in result.output


def test_check_reports_and_repairs_drift(runner, client, moderator, editor, app):
    publish(client, editor, "a", tags=["x"])
    created = approved_comment(client, moderator, "a")
    with app.app_context():
        db.session.execute(update(Post).where(Post.slug == "a").values(comment_count=7, like_count=3))
        db.session.execute(update(Comment).where(Comment.id == created["id"]).values(like_count=2))
        db.session.execute(update(Tag).where(Tag.name == "x").values(post_count=5))
        db.session.commit()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    for line in ("drift post.comment_count a: stored 7, actual 1", "drift post.like_count a: stored 3, actual 0",
                 f"drift comment.like_count {created['id']}: stored 2, actual 0", "drift tag.post_count x: stored 5, actual 1"):
        assert line in result.output
    assert client.get("/api/posts/a").get_json()["comment_count"] == 7
    repaired = runner.invoke(args=["check", "--repair"])
    assert repaired.exit_code == 0 and "repaired 4 counters" in repaired.output
    assert client.get("/api/posts/a").get_json()["comment_count"] == 1
    assert runner.invoke(args=["check"]).exit_code == 0
