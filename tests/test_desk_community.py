"""The desk's community moderation through the test client: CSRF, unknown rows, stale dismissals, escaping."""
from __future__ import annotations

from tests.helpers import approved_comment, post_comment
from tests.test_moderate_page import csrf, desk, mia  # noqa: F401 - fixtures


def reports(client, comment_id, readers):
    for n in range(readers):
        answer = client.post(f"/api/comments/{comment_id}/reports", json={"reason": "spam", "note": "<i>x</i>"},
                             headers={"X-Reader-Token": f"desk-reader-{n:08d}"})
        assert answer.status_code == 201


def test_pin_and_dismiss_need_the_csrf_token_and_a_known_comment(desk, moderator):  # noqa: F811
    comment = approved_comment(desk, moderator)
    for path in (f"/moderate/comments/{comment['id']}/pin", f"/moderate/comments/{comment['id']}/dismiss-reports"):
        assert desk.post(path, data={}).status_code in (400, 403)
    token = csrf(desk, "/moderate")
    gone = desk.post("/moderate/comments/999999/pin", data={"csrf_token": token, "next": "/moderate"})
    assert gone.status_code == 303, "a comment gone meanwhile is a message on the page"
    assert "Comment not found." in desk.get("/moderate").get_data(as_text=True)
    reply = approved_comment(desk, moderator, body="a reply", parent_id=comment["id"])
    desk.post(f"/moderate/comments/{reply['id']}/pin", data={"csrf_token": token, "next": "/moderate"})
    assert "Only a top-level comment can be pinned" in desk.get("/moderate").get_data(as_text=True)
    assert desk.get("/moderate/comments/999999/revisions").status_code == 404
    assert desk.post(f"/moderate/comments/{comment['id']}/unpin", data={"csrf_token": token}).status_code == 303


def test_the_reported_tab_escapes_notes_and_a_stale_dismissal_is_refused(make_app, desk, moderator):  # noqa: F811
    created = post_comment(desk, body="before").get_json()
    desk.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    reports(desk, created["id"], 3)
    page = desk.get("/moderate?reported=true").get_data(as_text=True)
    assert "&lt;i&gt;x&lt;/i&gt;" in page and "<i>x</i>" not in page
    assert "3 reports" in page and "Dismiss reports" in page
    token = csrf(desk, "/moderate?reported=true")
    edited = desk.patch(f"/api/comments/{created['id']}", json={"body": "after"},
                        headers={"X-Edit-Token": created["edit_token"]})
    assert edited.status_code == 200
    stale = desk.post(f"/moderate/comments/{created['id']}/dismiss-reports",
                      data={"csrf_token": token, f"seen_{created['id']}": "", "next": "/moderate?reported=true"})
    assert stale.status_code == 303
    assert "was edited after you opened the page" in desk.get("/moderate?reported=true").get_data(as_text=True)
    assert desk.get("/api/posts/hello/comments").get_json()["comments"] == []
    revisions = desk.get(f"/moderate/comments/{created['id']}/revisions").get_data(as_text=True)
    assert '<del class="diff-removed">before</del>' in revisions and '<ins class="diff-added">after</ins>' in revisions
