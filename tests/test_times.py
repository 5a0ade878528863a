"""Times that come in (API, moderation page, imports) are refused unless every read can turn them back into a time.

PostgreSQL keeps years Python cannot: "9999-12-31T23:00:00-05:00" is year
10000 in UTC, and once stored every read of its row failed. Each test gives
such a time, then reads everything that touches it.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest
from sqlalchemy import text

from comments_service import times, users
from comments_service.extensions import db
from comments_service.models import Role
from tests.helpers import approve, approved_comment, post_comment, publish
from tests.test_moderate_page import PASSWORD, csrf, login

BAD = [
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:59:59-00:01",
    "9999-12-30T23:59:59-23:59",
    "9999-12-31T12:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:30:00+01:00",
    "0001-01-01T00:00:00+00:01",
    "0001-01-02T00:00:00+23:59",
    "0001-01-01T00:00:00Z",
    "0001-01-01",
    "0000-01-01T00:00:00Z",
    "0000-12-31T23:59:59+00:00",
    "10000-01-01T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "2024-01-01T00:00:00+99:00",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00-25:00",
    "2024-01-01T00:00:00+2400",
    "9999-99-99T99:99:99Z",
]
# (what is sent, how every read shows it)
EDGES = [
    ("0001-01-02T00:00:00Z", "0001-01-02T00:00:00Z"),
    ("0001-01-02T23:00:00+23:00", "0001-01-02T00:00:00Z"),
    ("9999-12-30T23:59:59Z", "9999-12-30T23:59:59Z"),
    ("9999-12-30T10:00:00-13:00", "9999-12-30T23:00:00Z"),
    ("2024-06-01T12:00:00+05:30", "2024-06-01T06:30:00Z"),
    ("2024-06-01T12:00:00", "2024-06-01T12:00:00Z"),
]
# Every stored time, counted by the database itself (a row out of range cannot even be read).
STORED_TIMES = {"posts": ["published_at", "created_at", "updated_at"], "comments": ["created_at", "edited_at"],
                "bans": ["until", "created_at"], "moderation_events": ["created_at"]}


def out_of_range_rows(app):
    """Count the stored times outside the range, in SQL (Python could not read them)."""
    found = 0
    with app.app_context():
        for table, columns in STORED_TIMES.items():
            for column in columns:
                found += db.session.scalar(text(
                    f"SELECT count(*) FROM {table} WHERE {column} < '0001-01-02T00:00:00Z' "
                    f"OR {column} > '9999-12-30T23:59:59.999999Z'"))
        db.session.remove()
    return found


def every_read_works(client, moderator, runner, tmp_path, *slugs):
    """Read everything a stored time reaches: widgets, threads, related posts, feeds, the queue, export, rebuild."""
    paths = ["/api/widgets/recent-comments", "/api/widgets/popular-tags", "/api/widgets/recent-posts",
             "/feeds/comments.atom", "/api/counts?" + "&".join(f"post={s}" for s in slugs)]
    for slug in slugs:
        paths += [f"/api/posts/{slug}", f"/api/posts/{slug}/comments", f"/api/posts/{slug}/related",
                  f"/feeds/posts/{slug}/comments.atom"]
    for path in paths:
        assert client.get(path).status_code == 200, path
    for status in ("pending", "approved"):
        assert client.get(f"/api/moderation/comments?status={status}", headers=moderator).status_code == 200
    assert client.get("/api/moderation/bans", headers=moderator).status_code == 200
    for args in (["export", str(tmp_path / "export.json")], ["cache", "rebuild"], ["check"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)


@pytest.fixture
def site(client, editor, moderator):
    """A published post with a tag, an approved comment and one waiting."""
    publish(client, editor, "good", tags=["spine"], published_at="2024-01-01T00:00:00Z")
    approved_comment(client, moderator, "good", body="approved one")
    post_comment(client, "good", body="waiting one")


@pytest.mark.parametrize("value", BAD)
def test_a_publication_time_out_of_range_is_refused_and_nothing_is_stored(site, client, editor, moderator, runner,
                                                                          app, tmp_path, value):
    response = publish(client, editor, "p", tags=["spine"], published_at=value)
    assert response.status_code == 422, response.get_json()
    assert "published_at" in response.get_json()["error"]["fields"]
    assert client.get("/api/posts/p").status_code == 404
    assert out_of_range_rows(app) == 0
    every_read_works(client, moderator, runner, tmp_path, "good")


@pytest.mark.parametrize("value", BAD)
def test_changing_a_post_to_a_time_out_of_range_changes_nothing(site, client, editor, moderator, runner, app,
                                                                 tmp_path, value):
    response = publish(client, editor, "good", title="Changed", tags=["spine"], published_at=value)
    assert response.status_code == 422, response.get_json()
    post = client.get("/api/posts/good").get_json()
    assert post["published_at"] == "2024-01-01T00:00:00Z" and post["title"] == "Good"
    assert out_of_range_rows(app) == 0
    every_read_works(client, moderator, runner, tmp_path, "good")
    assert client.delete("/api/posts/good", headers=editor).status_code == 204


@pytest.mark.parametrize("value, shown", EDGES)
def test_times_at_the_edges_are_stored_and_read_everywhere(site, client, editor, moderator, runner, tmp_path,
                                                           value, shown):
    assert publish(client, editor, "p", tags=["spine"], published_at=value).status_code == 201
    approved_comment(client, moderator, "p", body="on the edge")
    every_read_works(client, moderator, runner, tmp_path, "p", "good")
    assert client.get("/api/posts/p").get_json()["published_at"] == shown
    recent = client.get("/api/widgets/recent-posts").get_json()["posts"]
    assert shown in [p["published_at"] for p in recent]
    related = client.get("/api/posts/good/related").get_json()
    assert shown in json.dumps(related)
    assert publish(client, editor, "p", title="Again", published_at=value).status_code == 200
    assert client.delete("/api/posts/p", headers=editor).status_code == 204


@pytest.mark.parametrize("value, shown", EDGES)
def test_the_one_check_gives_utc(value, shown):
    assert times.iso(times.storable(datetime.fromisoformat(value))) == shown


@pytest.mark.parametrize("value", BAD[:10])  # the ones Python parses: within its years, or moved out by the offset
def test_the_one_check_refuses_what_python_can_parse_but_not_keep(value):
    with pytest.raises(ValueError, match="0001-01-02 and 9999-12-30"):
        times.storable(datetime.fromisoformat(value))


@pytest.mark.parametrize("value", BAD)
def test_a_ban_until_out_of_range_is_refused(site, client, moderator, runner, app, tmp_path, value):
    response = client.post("/api/moderation/bans", json={"kind": "email", "value": "troll@example.com", "until": value},
                           headers=moderator)
    assert response.status_code == 422, response.get_json()
    assert "until" in response.get_json()["error"]["fields"]
    assert client.get("/api/moderation/bans", headers=moderator).get_json() == {"bans": []}
    assert out_of_range_rows(app) == 0
    every_read_works(client, moderator, runner, tmp_path, "good")
    assert post_comment(client, "good", email="troll@example.com", body="not banned").status_code == 201


def test_a_ban_until_the_last_day_is_kept_and_shown(client, moderator):
    response = client.post("/api/moderation/bans", headers=moderator,
                           json={"kind": "email", "value": "troll@example.com", "until": "9999-12-30T12:00:00-11:00"})
    assert response.status_code == 201 and response.get_json()["until"] == "9999-12-30T23:00:00Z"
    assert client.get("/api/moderation/bans", headers=moderator).get_json()["bans"][0]["until"] == "9999-12-30T23:00:00Z"


@pytest.mark.parametrize("value", ["9999-12-31", "0000-01-01", "10000-01-01", "0001-01-01", "9999-12-31T23:00:00-05:00",
                                   "0001-01-01T00:30:00+01:00", "2024-01-01T00:00:00+99:00"])
def test_a_ban_until_out_of_range_from_the_desk_is_refused_with_a_message(app, client, moderator, value):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    assert login(client).status_code == 303
    token = csrf(client, "/moderate/bans")
    response = client.post("/moderate/bans", data={"csrf_token": token, "kind": "email", "value": "troll@example.com",
                                                   "until": value, "next": "/moderate/bans"})
    assert response.status_code == 303
    page = client.get("/moderate/bans").get_data(as_text=True)
    assert "No bans in force." in page
    assert "0001-01-02 and 9999-12-30" in page or "Not a valid datetime." in page
    assert out_of_range_rows(app) == 0


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00"])
def test_an_expected_edited_at_out_of_range_is_refused(client, moderator, value):
    created = post_comment(client, "p").get_json()
    one = client.post(f"/api/moderation/comments/{created['id']}/approve", json={"expected_edited_at": value},
                      headers=moderator)
    bulk = client.post("/api/moderation/comments/bulk", headers=moderator,
                       json={"ids": [created["id"]], "action": "approve", "expected_edited_at": {str(created["id"]): value}})
    assert one.status_code == 422 and bulk.status_code == 422
    approve(client, moderator, created["id"])


def imported(runner, *args):
    result = runner.invoke(args=["import", *[str(a) for a in args]])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_json_import_skips_items_with_a_time_out_of_range(client, moderator, runner, app, tmp_path):
    good = "2024-01-02T00:00:00Z"
    document = {
        "format": "comments-service-export", "version": 1, "site": "othersite",
        "posts": [{"slug": "kept", "title": "Kept", "published_at": good}]
        + [{"slug": f"bad{i}", "title": "Bad", "published_at": v} for i, v in enumerate(BAD)],
        "comments": [{"id": 1, "post": "kept", "status": "approved", "author": "A", "body_source": "fine",
                      "created_at": good}]
        + [{"id": 10 + i, "post": "kept", "status": "approved", "author": "B", "body_source": f"created {i}",
            "created_at": v} for i, v in enumerate(BAD)]
        + [{"id": 100 + i, "post": "kept", "status": "approved", "author": "C", "body_source": f"edited {i}",
            "created_at": good, "edited_at": v} for i, v in enumerate(BAD)],
        "moderation_log": [{"id": 1 + i, "action": "approve", "actor": "token:x", "created_at": v}
                           for i, v in enumerate(BAD)],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    output = imported(runner, "json", path, "--verbose")
    assert f"skipped: {4 * len(BAD)}" in output, output
    assert "published_at: A time between 0001-01-02 and 9999-12-30 (UTC)." in output
    assert "comment 10: created_at: A time between" in output and "comment 100: edited_at: A time between" in output
    assert out_of_range_rows(app) == 0
    assert [c["body_html"] for c in client.get("/api/posts/kept/comments").get_json()["comments"]] == ["<p>fine</p>"]
    every_read_works(client, moderator, runner, tmp_path, "kept")


DISQUS = ('<?xml version="1.0" encoding="utf-8"?>\n'
          '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n{}</disqus>\n')


def test_the_disqus_import_leaves_a_bad_thread_time_empty_and_skips_a_bad_comment_time(client, moderator, runner, app,
                                                                                    tmp_path):
    items = []
    for i, value in enumerate(BAD):
        items.append(f'<thread dsq:id="t{i}"><id>t{i}</id><link>https://blog.example/t{i}</link><title>T</title>'
                     f"<createdAt>{value}</createdAt></thread>\n")
        items.append(f'<post dsq:id="c{i}"><message><![CDATA[<p>kept {i}</p>]]></message>'
                     "<createdAt>2020-01-02T00:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
                     f'<author><name>N</name></author><thread dsq:id="t{i}" /></post>\n')
        items.append(f'<post dsq:id="x{i}"><message><![CDATA[<p>bad time</p>]]></message>'
                     f"<createdAt>{value}</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
                     f'<author><name>N</name></author><thread dsq:id="t{i}" /></post>\n')
    path = tmp_path / "disqus.xml"
    path.write_text(DISQUS.format("".join(items)), encoding="utf-8")
    output = imported(runner, "disqus", path, "--verbose")
    assert f"skipped: {len(BAD)}" in output and "post x0: its createdAt is missing, not a time, or out of range" in output
    assert "thread t0: its time '9999-12-31T23:00:00-05:00' is missing, not a time, or out of range" in output
    assert out_of_range_rows(app) == 0
    for i in range(len(BAD)):
        data = client.get(f"/api/posts/t{i}/comments").get_json()
        assert data["post"]["published_at"] is None and len(data["comments"]) == 1
    every_read_works(client, moderator, runner, tmp_path, "t0", "t1")


WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Blog</title>{}</channel></rss>
"""


def test_the_wordpress_import_leaves_a_bad_post_time_empty_and_skips_a_bad_comment_time(client, moderator, runner,
                                                                                      app, tmp_path):
    items = []
    for i, value in enumerate(BAD):
        local = value.replace("T", " ", 1)  # WordPress writes a space; the local time is as bad
        items.append(
            f"<item><title>P{i}</title><link>https://blog.example/p{i}/</link><wp:post_id>{i + 1}</wp:post_id>"
            f"<wp:post_date>{local}</wp:post_date><wp:post_date_gmt>{value}</wp:post_date_gmt>"
            f"<wp:post_name>p{i}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            f"<wp:comment><wp:comment_id>{100 + i}</wp:comment_id><wp:comment_author>A</wp:comment_author>"
            "<wp:comment_date_gmt>2020-01-02 00:00:00</wp:comment_date_gmt><wp:comment_content>kept</wp:comment_content>"
            "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
            f"<wp:comment><wp:comment_id>{200 + i}</wp:comment_id><wp:comment_author>B</wp:comment_author>"
            f"<wp:comment_date>{local}</wp:comment_date><wp:comment_date_gmt>{value}</wp:comment_date_gmt>"
            "<wp:comment_content>bad time</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
            "</wp:comment></item>")
    path = tmp_path / "wxr.xml"
    path.write_text(WXR.format("".join(items)), encoding="utf-8")
    output = imported(runner, "wordpress", path, "--verbose")
    assert f"skipped: {len(BAD)}" in output, output
    assert "comment 200: its comment_date is missing, not a time, or out of range" in output
    assert "post 1: its time '9999-12-31 23:00:00-05:00' is missing, not a time, or out of range" in output
    assert out_of_range_rows(app) == 0
    for i in range(len(BAD)):
        data = client.get(f"/api/posts/p{i}/comments").get_json()
        assert data["post"]["published_at"] is None
        assert [c["author"] for c in data["comments"]] == ["A"]
    every_read_works(client, moderator, runner, tmp_path, "p0", "p1")


@pytest.mark.parametrize("created", [253402300799, 253402214400, -62135596800, -62135596700, 1e20, -1e20,
                                     float("inf"), float("nan")])
def test_the_isso_import_skips_a_comment_whose_time_is_out_of_range(client, moderator, runner, app, tmp_path, created):
    path = tmp_path / "isso.db"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri TEXT, title TEXT);"
        "CREATE TABLE comments (id INTEGER PRIMARY KEY, tid INTEGER, parent INTEGER, created FLOAT, modified FLOAT,"
        " mode INTEGER, remote_addr TEXT, text TEXT, author TEXT, email TEXT, website TEXT, likes INTEGER,"
        " dislikes INTEGER, voters BLOB, notification INTEGER);"
        "INSERT INTO threads VALUES (1, '/isso-post/', 'Isso post');")
    connection.execute("INSERT INTO comments (id, tid, created, modified, mode, text, author) VALUES"
                       " (1, 1, 1700000000, ?, 1, 'kept, its edit time dropped', 'A'), (2, 1, ?, NULL, 1, 'bad', 'B')",
                       (created, created))
    connection.commit()
    connection.close()
    output = imported(runner, "isso", path, "--verbose")
    assert "comment 2: its created time is missing, not a time, or out of range" in output, output
    assert out_of_range_rows(app) == 0
    [kept] = client.get("/api/posts/isso-post/comments").get_json()["comments"]
    assert kept["edited_at"] is None and kept["created_at"] == "2023-11-14T22:13:20Z"
    every_read_works(client, moderator, runner, tmp_path, "isso-post")
