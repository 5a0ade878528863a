"""Searching the moderation queue by text and author: PostgreSQL full-text with its index, LIKE on SQLite."""
from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import text

from comments_service import users
from comments_service.extensions import db
from comments_service.models import Role
from tests.helpers import approve, desk_login, post_comment


def search(client, moderator, query):
    response = client.get(f"/api/moderation/comments?{query}", headers=moderator)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(data):
    return [c["id"] for c in data["comments"]]


@pytest.fixture
def comments(client, moderator):
    """Comments on two posts, one approved, one spam, by a few authors."""
    made = {
        "knee": post_comment(client, "p", author="Maria Gonzales", body="My knee pain got better after the injection."),
        "back": post_comment(client, "p", author="Tom", body="Lower back pain is the worst, honestly."),
        "maria": post_comment(client, "q", author="Maria Lopez", body="Great article about stretching."),
        "percent": post_comment(client, "q", author="Sam", body="It cut my pain by 100% in a week_end"),
        "bot": post_comment(client, "q", author="bot", body="pain pills cheap", website_confirm="http://x.example"),
    }
    made = {name: response.get_json()["id"] for name, response in made.items()}
    approve(client, moderator, made["back"])
    return made


def test_search_finds_text_and_author_in_every_status_oldest_first(client, moderator, comments):
    assert ids(search(client, moderator, "q=pain")) == [comments[n] for n in ("knee", "back", "percent", "bot")]
    assert ids(search(client, moderator, "q=maria")) == [comments["knee"], comments["maria"]]
    # Every word must match (websearch syntax): author and text together.
    assert ids(search(client, moderator, "q=maria+knee")) == [comments["knee"]]
    assert ids(search(client, moderator, "q=%22lower+back%22")) == [comments["back"]]
    assert ids(search(client, moderator, "q=pain+-knee")) == [comments[n] for n in ("back", "percent", "bot")]
    assert ids(search(client, moderator, "q=elephant")) == []
    item = search(client, moderator, "q=knee")["comments"][0]
    assert item["status"] == "pending" and item["body_source"].startswith("My knee")


def test_search_combines_with_status_post_and_paging(client, moderator, comments):
    assert ids(search(client, moderator, "q=pain&status=approved")) == [comments["back"]]
    assert ids(search(client, moderator, "q=pain&status=spam")) == [comments["bot"]]
    assert ids(search(client, moderator, "q=pain&post=q")) == [comments["percent"], comments["bot"]]
    first = search(client, moderator, "q=pain&limit=2")
    assert ids(first) == [comments["knee"], comments["back"]] and first["next_cursor"]
    rest = search(client, moderator, f"q=pain&limit=2&cursor={first['next_cursor']}")
    assert ids(rest) == [comments["percent"], comments["bot"]] and rest["next_cursor"] is None
    # A cursor serves only the search it came from.
    other = client.get(f"/api/moderation/comments?q=maria&limit=2&cursor={first['next_cursor']}", headers=moderator)
    assert other.status_code == 400
    assert client.get(f"/api/moderation/comments?limit=2&cursor={first['next_cursor']}",
                      headers=moderator).status_code == 400
    # Without q nothing changed: the pending queue.
    assert ids(search(client, moderator, "")) == [comments[n] for n in ("knee", "maria", "percent")]
    assert ids(search(client, moderator, "q=+++")) == ids(search(client, moderator, ""))


@pytest.mark.parametrize("query", ["q=" + "a" * 201, "q=pain%00", "q=pa%0Ain", "q=x&status=deleted"])
def test_bad_searches_are_422(client, moderator, query):
    response = client.get(f"/api/moderation/comments?{query}", headers=moderator)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


def test_search_syntax_is_never_an_error(client, moderator, comments):
    for query in ("%21%21", "%22", "a%26b", "%27%3B+drop", "%5C", "or", "-", "%25", "_"):
        assert client.get(f"/api/moderation/comments?q={query}", headers=moderator).status_code == 200, query


def test_the_search_uses_the_gin_index(app, client, moderator, comments):
    with app.app_context():
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.execute(text(
            "EXPLAIN SELECT id FROM comments WHERE to_tsvector('simple', author || ' ' || body_source) "
            "@@ websearch_to_tsquery('simple', 'pain')")).scalars())
        db.session.rollback()
    assert "ix_comments_search" in plan


def test_sqlite_falls_back_to_like_with_wildcards_taken_literally(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'search.db'}", REDIS_URL=None)
    with app.app_context():
        flask_migrate.upgrade()
        users.create_user("mod", "a long enough password", Role.MODERATOR)
    client = app.test_client()
    made = [post_comment(client, "p", author=a, body=b).get_json()["id"] for a, b in (
        ("Maria", "knee pain"), ("Tom", "100% better"), ("Sam", "a week_end away"), ("Lee", "100 x better"))]
    assert desk_login(client, "mod", "a long enough password").status_code == 303

    def found(q):
        page = client.get("/moderate", query_string={"q": q}).get_data(as_text=True)
        return [i for i in made if f'id="sel-{i}"' in page]

    assert found("PAIN") == [made[0]] and found("maria knee") == [made[0]] and found("maria tom") == []
    assert found("100%") == [made[1]] and found("week_end") == [made[2]] and found("a_w") == []
    assert found('"better"') == [made[1], made[3]] and found('""') == []
