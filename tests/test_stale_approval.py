"""A moderator's action covers the version shown: a comment edited since then is refused (409), not published.

A reader may edit a pending comment within the edit window, after the
moderator has opened the queue. Approving, rejecting or marking spam sends the
``edited_at`` the moderator saw (``expected_edited_at``); when the stored one
differs, nothing changes. Through the API, in bulk, on the desk, and under
concurrency (the check and the action hold the row against a reader's edit).
"""
from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from comments_service import users
from comments_service.extensions import db
from comments_service.models import Comment, Role
from comments_service.times import iso
from tests.helpers import post_comment
from tests.test_moderate_page import CSRF, PASSWORD, login

OLD = "A careful question about the stretches."
NEW = "Actually, buy cheap pills at https://pills.example now"
DONE = {"approve": "approved", "reject": "rejected", "spam": "spam"}
CHANGED = "was edited after you opened the page; read the new text before you decide."


def pending(client, slug="p", body=OLD):
    """Post a pending comment; return its creation payload (with the edit token)."""
    response = post_comment(client, slug, body=body)
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    return response.get_json()


def edit(client, comment, body=NEW):
    """Edit one's own comment as its reader; return the new edited_at."""
    response = client.patch(f"/api/comments/{comment['id']}", json={"body": body},
                            headers={"X-Edit-Token": comment["edit_token"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["edited_at"]


def shown(client, moderator, comment_id, status="pending"):
    """Return the queue item the moderator is shown for a comment."""
    items = client.get(f"/api/moderation/comments?status={status}", headers=moderator).get_json()["comments"]
    return next(item for item in items if item["id"] == comment_id)


def public_ids(client, slug="p"):
    return [c["id"] for c in client.get(f"/api/posts/{slug}/comments").get_json()["comments"]]


def log_actions(client, moderator, comment_id):
    events = client.get(f"/api/moderation/log?comment_id={comment_id}", headers=moderator).get_json()["events"]
    return [e["action"] for e in events]


def act(client, moderator, comment_id, action, **body):
    return client.post(f"/api/moderation/comments/{comment_id}/{action}", json=body, headers=moderator)


def age_edit(app, comment_id, minutes=5):
    """Move a comment's last edit into the past, so that the next edit is a different second."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.edited_at = comment.edited_at - timedelta(minutes=minutes)
        db.session.commit()
        return iso(comment.edited_at)


def assert_refused(response, comment_id):
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "comment_changed"
    assert f"#{comment_id}" in error["message"] and "read the new text" in error["message"]
    return error


# --- one comment through the API -------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject", "spam"])
def test_action_on_the_unedited_version_is_refused_after_an_edit(client, moderator, action):
    comment = pending(client)
    seen = shown(client, moderator, comment["id"])
    assert seen["edited_at"] is None and OLD in seen["body_html"]
    new_time = edit(client, comment)

    error = assert_refused(act(client, moderator, comment["id"], action, expected_edited_at=seen["edited_at"]),
                           comment["id"])
    assert error["fields"]["expected_edited_at"] == [f"Edited at {new_time}; the version shown was unedited."]
    still = shown(client, moderator, comment["id"])
    assert NEW in still["body_html"] and still["edited_at"] == new_time
    assert public_ids(client) == [] and client.get("/api/posts/p").get_json()["comment_count"] == 0
    assert log_actions(client, moderator, comment["id"]) == []

    done = act(client, moderator, comment["id"], action, expected_edited_at=new_time)
    assert done.status_code == 200 and done.get_json()["status"] == DONE[action]
    assert done.get_json()["body_html"] == still["body_html"]
    assert log_actions(client, moderator, comment["id"]) == [action]
    assert public_ids(client) == ([comment["id"]] if action == "approve" else [])


def test_an_earlier_edit_is_not_the_one_shown(app, client, moderator):
    """The moderator saw the first edit; a second one came: still refused."""
    comment = pending(client)
    edit(client, comment, "First edit, harmless.")
    first = age_edit(app, comment["id"])
    assert shown(client, moderator, comment["id"])["edited_at"] == first
    second = edit(client, comment)
    for stale in (first, first.replace("Z", "+00:00"), first.replace("Z", ".999999Z"), None):
        assert_refused(act(client, moderator, comment["id"], "approve", expected_edited_at=stale), comment["id"])
    assert shown(client, moderator, comment["id"])["status"] == "pending"
    assert act(client, moderator, comment["id"], "approve", expected_edited_at=second).status_code == 200
    assert public_ids(client) == [comment["id"]]


def test_the_time_is_compared_to_the_second_in_any_spelling(client, moderator):
    """The page shows edited_at to the second; the same instant written otherwise is the same version."""
    comments = [pending(client, body=f"{OLD} {i}") for i in range(4)]
    times = [edit(client, c, f"{NEW} {i}") for i, c in enumerate(comments)]
    at = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times]
    spellings = [
        times[0],
        times[1].replace("Z", "+00:00"),
        at[2].astimezone(timezone(timedelta(hours=2))).isoformat(),
        times[3].replace("Z", ".5Z"),
    ]
    for comment, spelling in zip(comments, spellings, strict=True):
        response = act(client, moderator, comment["id"], "approve", expected_edited_at=spelling)
        assert response.status_code == 200, (spelling, response.get_json())
    assert sorted(public_ids(client)) == sorted(c["id"] for c in comments)


def test_without_the_key_nothing_is_checked(client, moderator):
    """An absent expectation (no body, an empty one, {}) acts on the stored version, as before."""
    comments = [pending(client, body=f"{OLD} {i}") for i in range(4)]
    for comment in comments:
        edit(client, comment)
    url = "/api/moderation/comments/{}/approve"
    sends = [
        lambda i: client.post(url.format(i), headers=moderator),
        lambda i: client.post(url.format(i), headers={**moderator, "Content-Type": "application/json"}),
        lambda i: client.post(url.format(i), json={}, headers=moderator),
        lambda i: client.post(url.format(i), data=b"", headers=moderator),
    ]
    for comment, send in zip(comments, sends, strict=True):
        response = send(comment["id"])
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "approved"
    assert len(public_ids(client)) == 4


def test_an_unedited_comment_shown_unedited_is_acted_on(client, moderator):
    comment = pending(client)
    assert act(client, moderator, comment["id"], "reject", expected_edited_at=None).status_code == 200
    assert log_actions(client, moderator, comment["id"]) == ["reject"]


@pytest.mark.parametrize(
    "body",
    [
        {"expected_edited_at": "yesterday"},
        {"expected_edited_at": ""},
        {"expected_edited_at": 1767225600},
        {"expected_edited_at": True},
        {"expected_edited_at": {"at": "2026-01-01T00:00:00Z"}},
        {"expected_edited_at": ["2026-01-01T00:00:00Z"]},
        {"expected_edited_at": "2026-02-30T10:00:00Z"},
        {"expected_edited_at": "2026-01-01T25:00:00Z"},
        {"expected": None},
        None,
        [],
        "2026-01-01T00:00:00Z",
    ],
)
def test_a_malformed_expectation_is_refused_with_422(client, moderator, body):
    comment = pending(client)
    response = client.post(f"/api/moderation/comments/{comment['id']}/approve", data=json.dumps(body),
                           content_type="application/json", headers=moderator)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"
    assert shown(client, moderator, comment["id"])["status"] == "pending"
    assert log_actions(client, moderator, comment["id"]) == []


def test_a_non_json_body_is_still_refused(client, moderator):
    comment = pending(client)
    response = client.post(f"/api/moderation/comments/{comment['id']}/approve", data="expected_edited_at=",
                           headers={**moderator, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert shown(client, moderator, comment["id"])["status"] == "pending"


def test_openapi_documents_the_bodies_and_the_409(client):
    spec = client.get("/api/openapi.json").get_json()
    one = spec["paths"]["/api/moderation/comments/{comment_id}/approve"]["post"]
    assert one["requestBody"]["required"] is False
    assert "409" in one["responses"]
    action = spec["components"]["schemas"]["ModerationAction"]["properties"]["expected_edited_at"]
    assert action["nullable"] is True and action["format"] == "date-time"
    bulk = spec["paths"]["/api/moderation/comments/bulk"]["post"]
    assert "409" in bulk["responses"]
    assert "expected_edited_at" in spec["components"]["schemas"]["Bulk"]["properties"]


# --- bulk through the API --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject", "spam", "delete"])
def test_bulk_with_one_stale_id_changes_none(client, moderator, action):
    comments = [pending(client, body=f"{OLD} {i}") for i in range(3)]
    ids = [c["id"] for c in comments]
    seen = {str(i): shown(client, moderator, i)["edited_at"] for i in ids}
    new_time = edit(client, comments[1])

    response = client.post("/api/moderation/comments/bulk", headers=moderator,
                           json={"ids": ids, "action": action, "expected_edited_at": seen})
    error = assert_refused(response, ids[1])
    assert error["fields"] == {f"expected_edited_at.{ids[1]}": [f"Edited at {new_time}; the version shown was unedited."]}
    assert [shown(client, moderator, i)["status"] for i in ids] == ["pending"] * 3
    assert all(log_actions(client, moderator, i) == [] for i in ids)

    seen[str(ids[1])] = new_time
    response = client.post("/api/moderation/comments/bulk", headers=moderator,
                           json={"ids": ids, "action": action, "expected_edited_at": seen})
    assert response.status_code == 200 and response.get_json() == {"updated": 3}
    assert all(log_actions(client, moderator, i) == [action] for i in ids)
    assert sorted(public_ids(client)) == (ids if action == "approve" else [])


def test_bulk_names_every_stale_id(app, client, moderator):
    comments = [pending(client, body=f"{OLD} {i}") for i in range(4)]
    ids = [c["id"] for c in comments]
    edit(client, comments[2], "an edit the moderator saw")
    saw = age_edit(app, ids[2])
    seen = {str(i): shown(client, moderator, i)["edited_at"] for i in ids}
    assert seen[str(ids[2])] == saw
    edit(client, comments[0])
    edit(client, comments[2])
    response = client.post("/api/moderation/comments/bulk", headers=moderator,
                           json={"ids": ids, "action": "approve", "expected_edited_at": seen})
    error = assert_refused(response, ids[0])
    assert f"#{ids[2]}" in error["message"]
    assert sorted(error["fields"]) == [f"expected_edited_at.{ids[0]}", f"expected_edited_at.{ids[2]}"]
    assert f"the version shown was edited at {saw}." in error["fields"][f"expected_edited_at.{ids[2]}"][0]
    assert public_ids(client) == []


def test_bulk_checks_only_the_ids_given_an_expectation(client, moderator):
    comments = [pending(client, body=f"{OLD} {i}") for i in range(3)]
    ids = [c["id"] for c in comments]
    for comment in comments[1:]:
        edit(client, comment)
    # No map at all: no check; a map naming only the unedited comment: the others are not checked.
    for body in ({"ids": ids[1:2], "action": "approve"},
                 {"ids": [ids[0], ids[2]], "action": "approve", "expected_edited_at": {str(ids[0]): None}}):
        response = client.post("/api/moderation/comments/bulk", headers=moderator, json=body)
        assert response.status_code == 200, response.get_json()
    assert sorted(public_ids(client)) == ids


@pytest.mark.parametrize(
    "seen",
    [
        lambda mine, other: {"abc": None},
        lambda mine, other: {"0": None},
        lambda mine, other: {"012": None},
        lambda mine, other: {"-1": None},
        lambda mine, other: {"99999999999": None},
        lambda mine, other: {str(mine): "not a time"},
        lambda mine, other: {str(mine): 5},
        lambda mine, other: {str(mine): ""},
        lambda mine, other: {str(other): None},
        lambda mine, other: {str(mine): None, str(other): None},
        lambda mine, other: [str(mine)],
        lambda mine, other: "2026-01-01T00:00:00Z",
    ],
)
def test_bulk_refuses_a_malformed_expectation(client, moderator, seen):
    mine, other = pending(client)["id"], pending(client, body="another")["id"]
    body = {"ids": [mine], "action": "approve", "expected_edited_at": seen(mine, other)}
    response = client.post("/api/moderation/comments/bulk", headers=moderator, json=body)
    assert response.status_code == 422, response.get_json()
    assert all(key.startswith("expected_edited_at") for key in response.get_json()["error"]["fields"])
    assert shown(client, moderator, mine)["status"] == "pending"


# --- concurrency: the check and the action hold the row -------------------------------------------------


def _wait_for_a_lock_wait(conn):
    # Polls until another backend waits on a row lock: the order of events, not a duration, is asserted.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.01)
    raise AssertionError("the request never waited for the row")


def _in_thread(app, send):
    result = {}

    def run():
        with app.test_client() as other:
            result["response"] = send(other)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


APPROVES = {
    "one": lambda c, i, moderator: c.post(f"/api/moderation/comments/{i}/approve",
                                          json={"expected_edited_at": None}, headers=moderator),
    "bulk": lambda c, i, moderator: c.post("/api/moderation/comments/bulk", headers=moderator,
                                           json={"ids": [i], "action": "approve", "expected_edited_at": {str(i): None}}),
}


@pytest.mark.parametrize("way", sorted(APPROVES))
def test_an_approve_racing_an_edit_sees_the_edit(app, client, moderator, database_url, way):
    """An edit that commits while the approve is in flight: the approve acts on the edited row and refuses."""
    comment = pending(client)
    with psycopg.connect(database_url) as writer:  # the reader's edit, held open mid-transaction
        writer.execute("UPDATE comments SET body_source = %s, body_html = %s, edited_at = now() WHERE id = %s",
                       (NEW, f"<p>{NEW}</p>", comment["id"]))
        thread, result = _in_thread(app, lambda c: APPROVES[way](c, comment["id"], moderator))
        with psycopg.connect(database_url, autocommit=True) as watcher:
            _wait_for_a_lock_wait(watcher)
        writer.commit()
    thread.join(timeout=30)
    assert_refused(result["response"], comment["id"])
    assert public_ids(client) == [] and shown(client, moderator, comment["id"])["status"] == "pending"


def test_an_edit_racing_an_approve_is_queued_again(app, client, moderator, database_url):
    """An approve that commits while the reader's edit is in flight: the edit sees it and re-queues the comment."""
    comment = pending(client)
    with psycopg.connect(database_url) as approver:  # a moderator's approve, held open mid-transaction
        approver.execute("UPDATE comments SET status = 'approved' WHERE id = %s", (comment["id"],))
        approver.execute("UPDATE posts SET comment_count = comment_count + 1 "
                         "WHERE id = (SELECT post_id FROM comments WHERE id = %s)", (comment["id"],))
        thread, result = _in_thread(app, lambda c: c.patch(
            f"/api/comments/{comment['id']}", json={"body": NEW}, headers={"X-Edit-Token": comment["edit_token"]}))
        with psycopg.connect(database_url, autocommit=True) as watcher:
            _wait_for_a_lock_wait(watcher)
        approver.commit()
    thread.join(timeout=30)
    assert result["response"].status_code == 200
    assert result["response"].get_json()["status"] == "pending"
    assert public_ids(client) == [], "the new text was never approved"
    assert client.get("/api/posts/p").get_json()["comment_count"] == 0
    assert NEW in shown(client, moderator, comment["id"])["body_html"]


# --- the moderation desk -------------------------------------------------------------------------------


@pytest.fixture
def desk(app, client):
    """A test client logged in to the desk."""
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    assert login(client).status_code == 303
    return client


def queue_form(desk, path="/moderate"):
    """Read the queue page; return its CSRF token and every seen_<id> field it carries."""
    html = desk.get(path).get_data(as_text=True)
    seen = dict(re.findall(r'<input type="hidden" name="(seen_\d+)" value="([^"]*)">', html))
    return {"csrf_token": CSRF.search(html).group(1), "next": path, **seen}


@pytest.mark.parametrize("action", ["approve", "reject", "spam", "delete"])
def test_desk_refuses_a_stale_single_action_and_shows_the_new_text(desk, client, moderator, action):
    comment = pending(client)
    form = queue_form(desk)
    assert form[f"seen_{comment['id']}"] == ""
    new_time = edit(client, comment)

    response = desk.post(f"/moderate/comments/{comment['id']}/{action}", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/moderate"
    html = desk.get("/moderate").get_data(as_text=True)
    assert f"Comment #{comment['id']} {CHANGED}" in html
    assert NEW in html and OLD not in html, "the queue shows the new text"
    assert f'name="seen_{comment["id"]}" value="{new_time}"' in html
    assert shown(client, moderator, comment["id"])["status"] == "pending"
    assert log_actions(client, moderator, comment["id"]) == []

    again = queue_form(desk)
    desk.post(f"/moderate/comments/{comment['id']}/{action}", data=again)
    html = desk.get("/moderate").get_data(as_text=True)
    assert CHANGED not in html and f"comment #{comment['id']}." in html
    assert log_actions(client, moderator, comment["id"]) == [action]


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_desk_refuses_a_stale_bulk_action_and_changes_none(desk, client, moderator, action):
    comments = [pending(client, body=f"{OLD} {i}") for i in range(3)]
    ids = [c["id"] for c in comments]
    form = queue_form(desk)
    edit(client, comments[2])

    response = desk.post("/moderate/bulk", data={**form, "action": action, "ids": [str(i) for i in ids]})
    assert response.status_code == 303
    html = desk.get("/moderate").get_data(as_text=True)
    assert f"Comment #{ids[2]} {CHANGED}" in html and "None of the selected comments was changed." in html
    assert f"Comment #{ids[0]} {CHANGED}" not in html
    assert NEW in html
    assert [shown(client, moderator, i)["status"] for i in ids] == ["pending"] * 3

    # Unticking the edited one lets the others through: only checked comments are held to what was shown.
    desk.post("/moderate/bulk", data={**form, "action": action, "ids": [str(i) for i in ids[:2]]})
    assert "comments." in desk.get("/moderate").get_data(as_text=True)
    assert [log_actions(client, moderator, i) for i in ids] == [[action], [action], []]


def test_every_queue_item_carries_the_time_it_showed(app, desk, client):
    comments = [pending(client, body=f"{OLD} {i}") for i in range(3)]
    edit(client, comments[1], "edited once")
    saw = age_edit(app, comments[1]["id"])
    form = queue_form(desk)
    assert {k: v for k, v in form.items() if k.startswith("seen_")} == {
        f"seen_{comments[0]['id']}": "", f"seen_{comments[1]['id']}": saw, f"seen_{comments[2]['id']}": ""}


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30T00:00:00Z", "12"])
def test_desk_refuses_a_forged_time(desk, client, moderator, value):
    comment = pending(client)
    form = {**queue_form(desk), f"seen_{comment['id']}": value}
    desk.post(f"/moderate/comments/{comment['id']}/approve", data=form)
    desk.post("/moderate/bulk", data={**form, "action": "approve", "ids": [str(comment["id"])]})
    assert "The form did not validate." in desk.get("/moderate").get_data(as_text=True)
    assert shown(client, moderator, comment["id"])["status"] == "pending"
