"""Imports from Disqus and WordPress: threading, statuses, sanitizing, idempotence, broken files."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from comments_service.extensions import db
from comments_service.models import Comment, ModerationEvent, Post, Tag
from comments_service.threads import MAX_DEPTH
from comments_service.transfer import load as load_module
from tests.helpers import publish

DATA = Path(__file__).resolve().parent / "data"
DISQUS = DATA / "disqus-export.xml"
WORDPRESS = DATA / "wordpress-export.xml"
DISQUS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
)


def run(runner, *args):
    return runner.invoke(args=["import", *[str(a) for a in args]])


def imported(runner, *args):
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    return result.output


def thread(client, slug):
    response = client.get(f"/api/posts/{slug}/comments")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def queue(client, moderator, status):
    return client.get(f"/api/moderation/comments?status={status}", headers=moderator).get_json()["comments"]


def table_counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Post, Comment, Tag))


def disqus_thread(key, link):
    return (f'<thread dsq:id="{key}"><id>{key}</id><link>{link}</link><title>T {key}</title>'
            "<createdAt>2020-01-01T00:00:00Z</createdAt></thread>\n")


def disqus_post(key, thread, parent=None, minute=0, message="<p>hello</p>"):
    parent_xml = f'<parent dsq:id="{parent}" />' if parent else ""
    return (f'<post dsq:id="{key}"><message><![CDATA[{message}]]></message>'
            f"<createdAt>2020-01-02T00:{minute:02d}:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            f"<author><name>N{key}</name><email>n{key}@example.com</email></author>"
            f'<thread dsq:id="{thread}" />{parent_xml}</post>\n')


def no_drift(runner):
    """Tell whether `flask check` finds every counter equal to its rows."""
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    return "no drift" in result.output


def write(tmp_path, body, name="export.xml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


class TestDisqus:
    def test_threads_statuses_and_text_match_the_export(self, runner, client, moderator):
        output = imported(runner, "disqus", DISQUS)
        assert "posts: 2 new" in output
        assert "comments: 9 new (approved 6, deleted 1, pending 1, spam 1)" in output
        data = thread(client, "trigger-point-injection")
        post = data["post"]
        assert post["title"] == "How Trigger Point Injection Can Relieve Muscular Back Pain"
        assert post["url"] == "https://blog.example/2019/03/trigger-point-injection/"
        assert post["published_at"] == "2019-03-04T09:15:00Z" and post["comment_count"] == 4
        maria, placeholder = data["comments"]
        assert maria["author"] == "Maria K." and maria["created_at"] == "2019-03-05T10:00:00Z"
        # Disqus's redirector is unwrapped; the allow-list and rel apply as for new comments.
        assert '<a href="https://physio.example/notes?page=2" rel="nofollow ugc noopener"' in maria["body_html"]
        assert "<b>first one</b>" in maria["body_html"] and "target=" not in maria["body_html"]
        patel = maria["replies"][0]
        assert patel["author"] == "Dr. Patel" and patel["parent_id"] == maria["id"]
        tom = patel["replies"][0]
        assert tom["parent_id"] == patel["id"]
        assert "<script" not in tom["body_html"] and "onerror" not in tom["body_html"] and "<img" not in tom["body_html"]
        # Deleted in Disqus with a reply hanging on it: a placeholder, nothing of its author kept.
        assert placeholder["deleted"] is True and placeholder["author"] == "" and placeholder["body_html"] == ""
        assert [r["author"] for r in placeholder["replies"]] == ["Sam"]
        assert client.get("/api/counts?post=trigger-point-injection").get_json()["counts"] == {
            "trigger-point-injection": {"comments": 4, "likes": 0}
        }
        assert no_drift(runner)

    def test_threads_of_one_url_merge_and_statuses_reach_the_moderators(self, runner, client, moderator, app):
        output = imported(runner, "disqus", DISQUS)
        assert "share the slug 'posture-at-your-desk'" in output
        data = thread(client, "posture-at-your-desk")
        assert data["post"]["comment_count"] == 2
        [luis] = data["comments"]
        assert [r["author"] for r in luis["replies"]] == ["Guest Reader"]
        assert [(c["author"], c["post"]["slug"]) for c in queue(client, moderator, "pending")] == [
            ("Ola", "posture-at-your-desk")
        ]
        [spam] = queue(client, moderator, "spam")
        assert spam["author"] == "Pills" and spam["body_source"].startswith("<p>Cheap pills")
        assert len(spam["ip_hash"]) == 64 and "192.0.2.99" not in spam["ip_hash"]
        with app.app_context():
            emails = set(db.session.scalars(select(Comment.email).where(Comment.email.is_not(None))))
        assert "tom@example.com" in emails and "jenna@example.com" not in emails  # deleted: e-mail not kept
        # A thread without comments is not a post worth creating.
        assert client.get("/api/posts/when-to-see-a-spine-specialist").status_code == 404

    def test_importing_twice_creates_nothing_twice(self, runner, client, app):
        imported(runner, "disqus", DISQUS)
        before = table_counts(app)
        first = thread(client, "trigger-point-injection")
        output = imported(runner, "disqus", DISQUS)
        assert "comments: 0 new (none), 9 already imported" in output
        assert "posts: 0 new, 2 already here" in output
        assert table_counts(app) == before
        assert thread(client, "trigger-point-injection") == first

    def test_a_comment_deleted_here_is_not_brought_back(self, runner, client, moderator, app):
        imported(runner, "disqus", DISQUS)
        maria = thread(client, "posture-at-your-desk")["comments"][0]
        reply = maria["replies"][0]
        assert client.delete(f"/api/moderation/comments/{reply['id']}", headers=moderator).status_code == 204
        output = imported(runner, "disqus", DISQUS)
        assert "comment 4401000008: it was deleted here after an earlier import" in output
        assert thread(client, "posture-at-your-desk")["comments"][0]["replies"] == []

    def test_existing_post_keeps_what_the_publishing_system_set(self, runner, client, editor):
        publish(client, editor, "trigger-point-injection", title="Trigger points", url="https://new.example/tpi",
                tags=["spine"])
        output = imported(runner, "disqus", DISQUS)
        assert "posts: 1 new, 1 already here" in output
        post = client.get("/api/posts/trigger-point-injection").get_json()
        assert (post["title"], post["url"], post["tags"]) == ("Trigger points", "https://new.example/tpi", ["spine"])
        assert post["comment_count"] == 4

    def test_dry_run_writes_nothing(self, runner, app):
        output = imported(runner, "disqus", DISQUS, "--dry-run")
        assert "comments: 9 new" in output and "Dry run: nothing was written." in output
        assert table_counts(app) == (0, 0, 0)

    def test_orphan_replies_are_skipped_and_listed(self, runner, client, tmp_path):
        path = write(tmp_path, DISQUS_HEAD + disqus_thread("1", "https://b.example/p/")
                     + disqus_post("10", "1") + disqus_post("11", "1", parent="999", minute=1)
                     + disqus_post("12", "1", parent="11", minute=2) + disqus_post("13", "77", minute=3)
                     + "</disqus>")
        output = imported(runner, "disqus", path)
        assert "skipped: 3" in output
        assert "comment 11: its parent 999 is not in the file" in output
        assert "comment 12: its parent 11 was skipped" in output
        assert "comment 13: its thread 77 is not in the file" in output
        data = thread(client, "p")
        assert [c["author"] for c in data["comments"]] == ["N10"] and data["post"]["comment_count"] == 1

    def test_strict_imports_nothing_when_something_would_be_skipped(self, runner, app, tmp_path):
        path = write(tmp_path, DISQUS_HEAD + disqus_thread("1", "https://b.example/p/")
                     + disqus_post("10", "1") + disqus_post("11", "1", parent="999") + "</disqus>")
        result = run(runner, "disqus", path, "--strict")
        assert result.exit_code != 0
        assert "1 item(s) would be skipped and --strict is set; nothing was imported" in result.output
        assert table_counts(app) == (0, 0, 0)

    def test_parents_that_loop_or_sit_in_another_thread_are_refused(self, runner, client, tmp_path):
        path = write(tmp_path, DISQUS_HEAD + disqus_thread("1", "https://b.example/p/")
                     + disqus_thread("2", "https://b.example/q/")
                     + disqus_post("10", "1", parent="11") + disqus_post("11", "1", parent="10", minute=1)
                     + disqus_post("20", "2", minute=2) + disqus_post("21", "1", parent="20", minute=3)
                     + "</disqus>")
        output = imported(runner, "disqus", path)
        assert "comment 10: its chain of parents loops back on itself" in output
        assert "comment 21: its parent 20 belongs to another thread" in output
        assert client.get("/api/posts/p").status_code == 404
        assert thread(client, "q")["post"]["comment_count"] == 1

    def test_very_deep_reply_chains_keep_their_parents_and_read_capped(self, runner, client, app, tmp_path):
        depth = 60
        posts = [disqus_post(str(100 + i), "1", parent=str(99 + i) if i else None, minute=i % 60) for i in range(depth)]
        path = write(tmp_path, DISQUS_HEAD + disqus_thread("1", "https://b.example/deep/") + "".join(posts) + "</disqus>")
        output = imported(runner, "disqus", path)
        assert f"comments: {depth} new (approved {depth})" in output
        with app.app_context():
            rows = {c.import_key: c for c in db.session.scalars(select(Comment))}
            for i in range(1, depth):
                assert rows[f"disqus:{100 + i}"].parent_id == rows[f"disqus:{99 + i}"].id
        data = thread(client, "deep")
        levels, node = 0, data["comments"][0]
        while node["replies"]:
            node = node["replies"][-1]
            levels += 1
        assert levels == MAX_DEPTH and data["post"]["comment_count"] == depth

    def test_batches_keep_every_reply_under_its_parent(self, runner, app, tmp_path, monkeypatch):
        monkeypatch.setattr(load_module, "BATCH", 7)
        posts = []
        for top in range(30):
            posts.append(disqus_post(f"{top}", str(top % 3), minute=top))
            posts.append(disqus_post(f"{top}r", str(top % 3), parent=f"{top}", minute=top))
            posts.append(disqus_post(f"{top}rr", str(top % 3), parent=f"{top}r", minute=top))
        threads = "".join(disqus_thread(str(t), f"https://b.example/t{t}/") for t in range(3))
        imported(runner, "disqus", write(tmp_path, DISQUS_HEAD + threads + "".join(posts) + "</disqus>"))
        with app.app_context():
            rows = {c.import_key: c for c in db.session.scalars(select(Comment))}
            assert len(rows) == 90
            for top in range(30):
                first, reply, deeper = (rows[f"disqus:{top}{s}"] for s in ("", "r", "rr"))
                assert reply.parent_id == first.id and deeper.parent_id == reply.id
                assert first.root_id is None and reply.root_id == first.id and deeper.root_id == first.id
                assert first.post_id == reply.post_id == deeper.post_id
            assert [p.comment_count for p in db.session.scalars(select(Post).order_by(Post.slug))] == [30, 30, 30]

    def test_a_comment_with_nothing_readable_is_skipped(self, runner, tmp_path):
        path = write(tmp_path, DISQUS_HEAD + disqus_thread("1", "https://b.example/p/")
                     + disqus_post("10", "1", message='<img src="cat.gif">') + "</disqus>")
        assert "comment 10: nothing readable is left once its HTML is made safe" in imported(runner, "disqus", path)

    def test_the_import_is_written_to_the_audit_log(self, runner, client, moderator):
        imported(runner, "disqus", DISQUS)
        [event] = client.get("/api/moderation/log", headers=moderator).get_json()["events"]
        assert event["action"] == "import" and event["actor"] == "cli"
        assert event["details"]["source"] == "disqus" and event["details"]["file"] == "disqus-export.xml"
        assert event["details"]["comments"] == {"approved": 6, "deleted": 1, "pending": 1, "spam": 1}


class TestWordPress:
    def test_posts_tags_comments_and_statuses_match_the_export(self, runner, client, moderator, app):
        output = imported(runner, "wordpress", WORDPRESS)
        assert "posts: 2 new" in output and "comments: 4 new (approved 2, pending 1, spam 1)" in output
        assert "comment 105: a pingback, not a reader's comment" in output
        data = thread(client, "same-day-appointments")
        post = data["post"]
        assert post["title"] == "Same Day Appointments for Back & Neck Care"
        assert post["tags"] == ["appointments", "back pain"] and post["published_at"] == "2023-11-06T09:00:00Z"
        assert post["comment_count"] == 2
        [luis] = data["comments"]
        assert luis["website"] == "https://luis.example" and luis["created_at"] == "2023-11-06T14:20:00Z"
        # Blank lines are paragraphs and newlines are breaks, as WordPress showed them.
        assert luis["body_html"] == (
            "<p>Got in the same afternoon. Great staff!</p>\n"
            "<p>Parking was easy too.<br>\nThanks <strong>Dr. Lee</strong> &amp; team.</p>"
        )
        [reply] = luis["replies"]
        assert reply["author"] == "Clinic" and reply["website"] is None  # a javascript: URL is dropped
        assert "onclick" not in reply["body_html"] and 'rel="nofollow ugc noopener"' in reply["body_html"]
        [pending] = queue(client, moderator, "pending")
        assert pending["author"] == "Priya" and pending["body_source"] == "Do you take walk-ins on Saturdays?"
        assert [c["author"] for c in queue(client, moderator, "spam")] == ["Best Deals"]
        # A published post without comments still comes, with its tags; a draft does not.
        assert client.get("/api/posts/posture-fixes").get_json()["tags"] == ["back pain"]
        with app.app_context():
            assert dict(db.session.execute(select(Tag.name, Tag.post_count)).all()) == {"appointments": 1, "back pain": 2}
            assert db.session.scalar(select(func.count()).select_from(Post)) == 2
        assert no_drift(runner)

    def test_importing_twice_creates_nothing_twice(self, runner, app):
        imported(runner, "wordpress", WORDPRESS)
        before = table_counts(app)
        output = imported(runner, "wordpress", WORDPRESS)
        assert "comments: 0 new (none), 4 already imported" in output
        assert table_counts(app) == before
        with app.app_context():
            assert dict(db.session.execute(select(Tag.name, Tag.post_count)).all()) == {"appointments": 1, "back pain": 2}

    def test_a_disqus_file_is_not_taken_for_wordpress(self, runner, app):
        result = run(runner, "wordpress", DISQUS)
        assert result.exit_code != 0 and "not a WordPress export" in result.output
        assert table_counts(app) == (0, 0, 0)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<disqus xmlns="http://disqus.com"><post><message>&lol4;</message></post></disqus>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com"><post><message>&secret;</message></post></disqus>"""
DOCTYPE_ONLY = """<?xml version="1.0"?>
<!DOCTYPE disqus SYSTEM "http://attacker.example/disqus.dtd">
<disqus xmlns="http://disqus.com"></disqus>"""
# Valid records first: the error near the end must still leave the database untouched.
MALFORMED = DISQUS_HEAD + disqus_thread("1", "https://b.example/p/") + disqus_post("10", "1") + "<post><message>oops</post>"
DEEP = DISQUS_HEAD + disqus_thread("1", "https://b.example/p/") + "<a>" * 10000 + "</a>" * 10000 + "</disqus>"


@pytest.mark.parametrize(
    "kind, body, message",
    [
        ("disqus", BILLION_LAUGHS, "it declares a DTD (<!DOCTYPE ...>), the way entity-expansion"),
        ("disqus", EXTERNAL_ENTITY, "external-entity attacks"),
        ("disqus", DOCTYPE_ONLY, "DTD"),
        ("disqus", MALFORMED, "not well-formed XML at line"),
        ("disqus", DEEP, "nested deeper than 64 levels"),
        ("disqus", "", "not well-formed XML"),
        ("wordpress", BILLION_LAUGHS.replace("disqus", "rss"), "entity-expansion"),
        ("wordpress", "<rss><channel><item><title>x</title></item>", "not well-formed XML"),
    ],
    ids=["billion-laughs", "external-entity", "doctype", "malformed", "deep-nesting", "empty", "wxr-laughs",
         "wxr-truncated"],
)
def test_hostile_or_broken_files_change_nothing(runner, app, tmp_path, kind, body, message):
    result = run(runner, kind, write(tmp_path, body))
    assert result.exit_code != 0
    assert message in result.output and "Nothing was imported." in result.output
    assert "Traceback" not in result.output
    assert table_counts(app) == (0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModerationEvent)) == 0
