"""Edits and deletes of one's own comment: one budget per client address (RATELIMIT_EDITS), 429 past it."""
from __future__ import annotations

import pytest

ADDRESS, OTHER_ADDRESS = "192.0.2.10", "192.0.2.20"
BIG = "word " * 1800  # about 9 KB of Markdown to render and sanitize


@pytest.fixture
def limited(make_app):
    """A client whose edits and deletes are limited to 3 a minute (comments may be posted freely)."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_EDITS="3 per minute", RATELIMIT_COMMENTS="100 per minute",
                   MODERATION="post")
    return app.test_client()


def write(client, address=ADDRESS, body="first text"):
    response = client.post("/api/posts/p/comments", json={"author": "Ada", "body": body},
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def edit(client, comment, body, address=ADDRESS, **headers):
    return client.patch(f"/api/comments/{comment['id']}", json={"body": body},
                        headers={"X-Edit-Token": comment["edit_token"], **headers},
                        environ_base={"REMOTE_ADDR": address})


def delete(client, comment, address=ADDRESS):
    return client.delete(f"/api/comments/{comment['id']}", headers={"X-Edit-Token": comment["edit_token"]},
                         environ_base={"REMOTE_ADDR": address})


def stored_text(client, moderator, comment_id):
    listed = client.get("/api/moderation/comments?status=approved", headers=moderator).get_json()["comments"]
    return {c["id"]: c["body_source"] for c in listed}.get(comment_id)


def assert_refused(response):
    assert response.status_code == 429, response.get_json()
    assert response.get_json() == {"error": {"code": "rate_limited", "message": "Too many requests; slow down."}}
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == "3" and response.headers["X-RateLimit-Remaining"] == "0"


# The fourth request in the minute, in several disguises: each is still the same address.
FOURTH = {
    "the same comment": lambda c, own, other: edit(c, own, "fourth text"),
    "a 9 KB body": lambda c, own, other: edit(c, own, BIG),
    "another comment of the address": lambda c, own, other: edit(c, other, "fourth text"),
    "a forged X-Forwarded-For": lambda c, own, other: edit(c, own, "fourth text", **{"X-Forwarded-For": "203.0.113.9"}),
    "a new reader token": lambda c, own, other: edit(c, own, "fourth text", **{"X-Reader-Token": "fresh-reader-token-0042"}),
    "a wrong edit token": lambda c, own, other: edit(c, own, "fourth text", **{"X-Edit-Token": other["edit_token"]}),
}


@pytest.mark.parametrize("attempt", FOURTH.values(), ids=FOURTH.keys())
def test_the_edit_past_the_limit_is_429_and_changes_nothing(limited, moderator, attempt):
    own, other = write(limited), write(limited, body="other text")
    answers = [edit(limited, own, f"edit {n}") for n in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert_refused(attempt(limited, own, other))
    assert stored_text(limited, moderator, own["id"]) == "edit 2"
    assert stored_text(limited, moderator, other["id"]) == "other text"
    thread = limited.get("/api/posts/p/comments").get_json()["comments"]
    assert {c["id"]: c["body_html"] for c in thread}[own["id"]] == "<p>edit 2</p>"


def test_deletes_are_limited_too_and_share_the_budget_with_edits(limited, moderator):
    comments = [write(limited, body=f"text {n}") for n in range(4)]
    assert edit(limited, comments[0], "edited").status_code == 200
    assert delete(limited, comments[1]).status_code == 204
    assert delete(limited, comments[2]).status_code == 204
    assert_refused(delete(limited, comments[3]))
    assert_refused(edit(limited, comments[0], "edited again"))
    assert stored_text(limited, moderator, comments[3]["id"]) == "text 3", "the refused delete kept the comment"
    assert stored_text(limited, moderator, comments[0]["id"]) == "edited"
    assert len(limited.get("/api/posts/p/comments").get_json()["comments"]) == 2


def test_deletes_alone_stop_at_the_limit(limited, moderator):
    comments = [write(limited, body=f"text {n}") for n in range(5)]
    assert [delete(limited, c).status_code for c in comments] == [204, 204, 204, 429, 429]
    assert [stored_text(limited, moderator, c["id"]) for c in comments[3:]] == ["text 3", "text 4"]


def test_another_address_keeps_its_own_budget(limited, moderator):
    mine, theirs = write(limited), write(limited, OTHER_ADDRESS)
    assert [edit(limited, mine, f"edit {n}").status_code for n in range(4)] == [200, 200, 200, 429]
    assert [edit(limited, theirs, f"theirs {n}", OTHER_ADDRESS).status_code for n in range(3)] == [200, 200, 200]
    assert delete(limited, theirs, OTHER_ADDRESS).status_code == 429
    assert stored_text(limited, moderator, theirs["id"]) == "theirs 2"


def test_comments_and_edits_have_separate_budgets(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_EDITS="2 per minute", RATELIMIT_COMMENTS="2 per minute",
                      MODERATION="post").test_client()
    comment = write(client)
    assert [edit(client, comment, f"edit {n}").status_code for n in range(3)] == [200, 200, 429]
    second = client.post("/api/posts/p/comments", json={"author": "Ada", "body": "a second comment"},
                         environ_base={"REMOTE_ADDR": ADDRESS})
    third = client.post("/api/posts/p/comments", json={"author": "Ada", "body": "a third comment"},
                        environ_base={"REMOTE_ADDR": ADDRESS})
    assert (second.status_code, third.status_code) == (201, 429)


def test_edits_are_not_limited_when_rate_limits_are_off(make_app, moderator):
    client = make_app(RATELIMIT_ENABLED=False, RATELIMIT_EDITS="1 per minute", MODERATION="post").test_client()
    comments = [write(client, body=f"text {n}") for n in range(3)]
    answers = [edit(client, comments[0], f"edit {n}") for n in range(10)]
    assert {r.status_code for r in answers} == {200}
    assert "X-RateLimit-Limit" not in answers[-1].headers
    assert [delete(client, c).status_code for c in comments[1:]] == [204, 204]
    assert stored_text(client, moderator, comments[0]["id"]) == "edit 9"


def test_an_edit_limit_that_does_not_parse_is_refused(make_app):
    with pytest.raises(RuntimeError, match="RATELIMIT_EDITS"):
        make_app(RATELIMIT_EDITS="10 per fortnight")
