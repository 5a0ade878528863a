"""Import an Isso database made by the real Isso (from PyPI), and compare with what Isso served."""
from __future__ import annotations

import html
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench.isso import IssoServer
from comments_service.sanitize import html_to_text
from comments_service.times import iso
from comments_service.transfer.records import from_epoch

TPI = "/blog/trigger-point-injection/"
POSTURE = "/2019/05/posture-at-your-desk.html"
TPI_TITLE = "How Trigger Point Injection Can Relieve Muscular Back Pain"
POSTURE_TITLE = "Five Posture Fixes for Your Desk"


@pytest.fixture(scope="module")
def isso_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run Isso, comment, reply, vote and moderate through its API; return its database and answers."""
    workdir = tmp_path_factory.mktemp("isso")
    server = IssoServer(workdir)
    server.start()
    try:
        maria = server.comment(TPI, TPI_TITLE, "I had **two** injections.\n\nRelief lasted *three months*.",
                               "Maria K.", "maria@example.com", "https://maria.example", voter="198.51.100.10")
        tom = server.comment(TPI, TPI_TITLE, "Thanks <script>alert(1)</script> & `<div>`\nsecond line",
                             "Tom & Jerry <3", parent=maria["id"], voter="198.51.101.10")
        # Isso keeps one level of replies: a reply to a reply hangs on the top comment.
        deeper = server.comment(TPI, TPI_TITLE, "Replying to Tom.", "Ana", parent=tom["id"], voter="198.51.102.10")
        jenna = server.comment(TPI, TPI_TITLE, "I regret this one.", "Jenna", "jenna@example.com",
                               voter="198.51.103.10")
        sam = server.comment(TPI, TPI_TITLE, "Stretching helped me.", "Sam", parent=jenna["id"], voter="198.51.104.10")
        ola = server.comment(TPI, TPI_TITLE, "Is this covered by insurance?", "Ola", "ola@example.com",
                             voter="198.51.105.10")
        gone = server.comment(TPI, TPI_TITLE, "Buy now", "Drive-by", voter="198.51.106.10")
        luis = server.comment(POSTURE, POSTURE_TITLE, "Raising my monitor fixed my neck.", "Luis",
                              website="https://luis.example", voter="198.51.107.10")
        zoe = server.comment(POSTURE, POSTURE_TITLE, "Same, plus a footrest ~~maybe~~.", "Zoë",
                             parent=luis["id"], voter="198.51.108.10")
        for comment in (maria, tom, deeper, jenna, sam, gone, luis, zoe):
            server.activate(comment["id"])
        for voter in ("203.0.113.1", "203.0.114.1", "203.0.115.1"):
            server.like(maria["id"], voter)
        server.like(maria["id"], "203.0.116.1", up=False)
        server.like(tom["id"], "203.0.113.1")
        server.like(luis["id"], "203.0.117.1")
        server.moderator_delete(jenna["id"])  # has a reply: Isso keeps it as a placeholder
        server.moderator_delete(gone["id"])  # no replies: gone from Isso's database
        served = {uri: server.thread(uri) for uri in (TPI, POSTURE)}
        counts = dict(zip((TPI, POSTURE), server.counts([TPI, POSTURE]), strict=True))
    finally:
        server.stop()
    db_path = workdir / "comments.db"
    shutil.copy(server.db_path, db_path)
    with sqlite3.connect(db_path) as connection:
        modes = dict(connection.execute("SELECT author, mode FROM comments"))
    assert ola["mode"] == 2 and modes["Ola"] == 2 and modes[None] == 4 and "Drive-by" not in modes
    return {"db": db_path, "served": served, "counts": counts}


def import_isso(runner, path: Path, *extra: str) -> str:
    result = runner.invoke(args=["import", "isso", str(path), "--base-url", "https://blog.example", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def assert_same_thread(isso_comments: list[dict[str, Any]], ours: list[dict[str, Any]]) -> None:
    assert len(ours) == len(isso_comments), ([c["author"] for c in ours], [c["author"] for c in isso_comments])
    for theirs, mine in zip(isso_comments, ours, strict=True):
        assert mine["created_at"] == iso(from_epoch(theirs["created"]))
        if theirs["mode"] == 4:
            assert mine["deleted"] is True and mine["author"] == "" and mine["body_html"] == ""
        else:
            assert mine["deleted"] is False
            # Isso stores names HTML-escaped; readers saw them unescaped.
            assert mine["author"] == html.unescape(theirs["author"])
            assert mine["website"] == theirs["website"]
            assert html_to_text(mine["body_html"]) == html_to_text(theirs["text"])
            assert mine["like_count"] == theirs["likes"]
        assert_same_thread(theirs.get("replies", []), mine["replies"])


def test_threads_text_votes_and_counts_match_what_isso_served(isso_data, runner, client):
    output = import_isso(runner, isso_data["db"])
    assert "posts: 2 new" in output
    assert "comments: 8 new (approved 6, deleted 1, pending 1)" in output and "skipped: 0" in output
    for uri, slug, title in ((TPI, "trigger-point-injection", TPI_TITLE),
                             (POSTURE, "posture-at-your-desk", POSTURE_TITLE)):
        ours = client.get(f"/api/posts/{slug}/comments").get_json()
        assert ours["post"]["title"] == title and ours["post"]["url"] == f"https://blog.example{uri}"
        assert ours["post"]["comment_count"] == isso_data["counts"][uri]
        assert_same_thread(isso_data["served"][uri]["replies"], ours["comments"])
    counts = client.get("/api/counts?post=trigger-point-injection&post=posture-at-your-desk").get_json()["counts"]
    assert counts == {"trigger-point-injection": {"comments": 4, "likes": 0},
                      "posture-at-your-desk": {"comments": 2, "likes": 0}}
    # Isso's votes become like rows, so every counter still matches its rows.
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0 and "no drift" in check.output, check.output


def test_typed_html_stays_text_as_isso_showed_it(isso_data, runner, client):
    import_isso(runner, isso_data["db"])
    maria = client.get("/api/posts/trigger-point-injection/comments").get_json()["comments"][0]
    tom = maria["replies"][0]
    assert tom["author"] == "Tom & Jerry <3"
    assert "<script" not in tom["body_html"] and "&lt;script&gt;" in tom["body_html"]
    assert "<code>&lt;div&gt;</code>" in tom["body_html"] and "<br>" in tom["body_html"]
    assert [r["author"] for r in maria["replies"]] == ["Tom & Jerry <3", "Ana"]
    assert maria["like_count"] == 3  # Isso's dislike has no equivalent here


def test_pending_comments_wait_for_moderation_with_their_email(isso_data, runner, client, moderator):
    import_isso(runner, isso_data["db"])
    pending = client.get("/api/moderation/comments?status=pending", headers=moderator).get_json()["comments"]
    assert [(c["author"], c["email"], c["body_source"]) for c in pending] == [
        ("Ola", "ola@example.com", "Is this covered by insurance?")
    ]


def test_importing_twice_creates_nothing_twice(isso_data, runner, client):
    import_isso(runner, isso_data["db"])
    first = client.get("/api/posts/trigger-point-injection/comments").get_json()
    output = import_isso(runner, isso_data["db"])
    assert "comments: 0 new (none), 8 already imported" in output
    assert client.get("/api/posts/trigger-point-injection/comments").get_json() == first


@pytest.mark.parametrize("content, message", [
    (b"not a database at all, just text" * 100, "not a readable SQLite database"),
    (None, "not an Isso database"),
])
def test_files_that_are_not_isso_databases_are_refused(runner, app, tmp_path, content, message):
    path = tmp_path / "comments.db"
    if content is None:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY)")
    else:
        path.write_bytes(content)
    result = runner.invoke(args=["import", "isso", str(path)])
    assert result.exit_code != 0 and message in result.output and "Nothing was imported." in result.output
