"""Readers' reports: one per reader, 404 unless public, the hold at REPORTS_TO_HOLD, the Reported list, dismissing."""
from __future__ import annotations

import json

from comments_service.extensions import db
from comments_service.moderation_models import CommentReport
from tests.helpers import READER, approved_comment, post_comment
from tests.test_webhook import drain, hook, hook_app, verified  # noqa: F401 - hook is a fixture


def reader(n: int) -> dict[str, str]:
    return {"X-Reader-Token": f"reporting-reader-{n:04d}"}


def report(client, comment_id, n=0, reason="abuse", **body):
    return client.post(f"/api/comments/{comment_id}/reports", json={"reason": reason, **body}, headers=reader(n))


def thread_ids(client, slug="hello"):
    return [c["id"] for c in client.get(f"/api/posts/{slug}/comments").get_json()["comments"]]


def reported(client, moderator, **query):
    return client.get("/api/moderation/comments", query_string={"reported": "true", **query}, headers=moderator)


def test_a_reader_reports_once_and_is_counted_once(client, moderator):
    comment = approved_comment(client, moderator)
    first = report(client, comment["id"], 1, "spam", note="  buy   now\x07 links ")
    assert first.status_code == 201 and first.get_json() == {"reported": True}
    again = report(client, comment["id"], 1, "abuse")
    assert again.status_code == 200 and again.get_json() == {"reported": True}
    item = reported(client, moderator).get_json()["comments"][0]
    assert item["reports"] == {"count": 1, "reasons": {"spam": 1}, "notes": ["buy now links"]}
    assert item["status"] == "approved"
    assert comment["id"] in thread_ids(client)


def test_reports_need_a_reader_a_known_reason_and_a_short_note(client, moderator):
    comment = approved_comment(client, moderator)
    path = f"/api/comments/{comment['id']}/reports"
    assert client.post(path, json={"reason": "abuse"}).status_code == 400
    bad = client.post(path, json={"reason": "boring"}, headers=READER)
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]
    long = client.post(path, json={"reason": "other", "note": "x" * 501}, headers=READER)
    assert long.status_code == 422 and "note" in long.get_json()["error"]["fields"]
    assert client.post(path, data="reason=spam", headers={**READER, "Content-Type": "text/plain"}).status_code == 415
    assert client.get(path).status_code == 405


def test_a_comment_that_is_not_public_is_unknown_to_reporters(client, moderator):
    waiting = post_comment(client).get_json()
    assert report(client, waiting["id"]).status_code == 404
    rejected = approved_comment(client, moderator)
    client.post(f"/api/moderation/comments/{rejected['id']}/reject", headers=moderator)
    assert report(client, rejected["id"]).status_code == 404
    assert report(client, 999999).status_code == 404
    assert report(client, rejected["id"]).get_json()["error"]["code"] == "not_found"


def test_enough_distinct_readers_hide_a_comment_until_a_moderator_decides(client, moderator):
    comment = approved_comment(client, moderator)
    other = approved_comment(client, moderator, body="another")
    for n in range(2):
        assert report(client, comment["id"], n).status_code == 201
    report(client, comment["id"], 1)  # the same reader again: still two
    assert comment["id"] in thread_ids(client)
    assert client.get("/api/posts/hello").get_json()["comment_count"] == 2
    assert report(client, comment["id"], 2, "off-topic").status_code == 201
    assert thread_ids(client) == [other["id"]], "the third reader hides it, and the cached page follows"
    assert client.get("/api/posts/hello").get_json()["comment_count"] == 1
    assert report(client, comment["id"], 3).status_code == 404, "no longer public"
    item = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"][0]
    assert item["id"] == comment["id"] and item["status"] == "pending"
    assert item["reports"] == {"count": 3, "reasons": {"abuse": 2, "off-topic": 1}, "notes": []}
    log = client.get(f"/api/moderation/log?comment_id={comment['id']}", headers=moderator).get_json()["events"]
    assert [e["action"] for e in log][:4] == ["report_hold", "report", "report", "report"]
    assert log[0]["actor"] == "system" and log[0]["to_status"] == "pending"


def test_the_hold_threshold_is_a_setting(make_app, moderator):
    client = make_app(REPORTS_TO_HOLD=1).test_client()
    comment = approved_comment(client, moderator)
    assert report(client, comment["id"]).status_code == 201
    assert thread_ids(client) == []


def test_reported_lists_the_most_reported_first_and_pages(client, moderator):
    ids = [approved_comment(client, moderator, body=f"comment {n}")["id"] for n in range(4)]
    for comment_id, readers in zip(ids, (1, 2, 0, 2), strict=True):
        for n in range(readers):
            report(client, comment_id, n)
    first = reported(client, moderator, limit=2).get_json()
    assert [c["id"] for c in first["comments"]] == [ids[1], ids[3]]
    assert [c["reports"]["count"] for c in first["comments"]] == [2, 2]
    rest = reported(client, moderator, limit=2, cursor=first["next_cursor"]).get_json()
    assert [c["id"] for c in rest["comments"]] == [ids[0]] and rest["next_cursor"] is None
    unreported = client.get("/api/moderation/comments?status=approved", headers=moderator).get_json()["comments"]
    assert {c["id"]: c["reports"]["count"] for c in unreported}[ids[2]] == 0
    assert reported(client, moderator, status="spam").get_json()["comments"] == []
    assert reported(client, moderator, cursor="forged").status_code in (400, 422)
    assert client.get("/api/moderation/comments?reported=maybe", headers=moderator).status_code == 422


def test_dismissing_keeps_the_comment_publishes_what_the_reports_held_and_clears_them(client, moderator):
    comment = approved_comment(client, moderator)
    for n in range(3):
        report(client, comment["id"], n)
    assert thread_ids(client) == []
    dismissed = client.post(f"/api/moderation/comments/{comment['id']}/reports/dismiss", headers=moderator)
    assert dismissed.status_code == 200
    assert dismissed.get_json()["status"] == "approved" and dismissed.get_json()["reports"]["count"] == 0
    assert thread_ids(client) == [comment["id"]]
    assert reported(client, moderator).get_json()["comments"] == []
    assert report(client, comment["id"], 0).status_code == 200, "a reader whose report was dismissed is not counted again"
    assert report(client, comment["id"], 5).status_code == 201
    again = client.post(f"/api/moderation/comments/{comment['id']}/reports/dismiss", headers=moderator)
    assert again.status_code == 200 and again.get_json()["status"] == "approved"
    nothing = client.post(f"/api/moderation/comments/{comment['id']}/reports/dismiss", headers=moderator)
    assert nothing.status_code == 409 and nothing.get_json()["error"]["code"] == "no_reports"
    log = client.get(f"/api/moderation/log?comment_id={comment['id']}", headers=moderator).get_json()["events"]
    actions = [e["action"] for e in reversed(log)]
    assert actions[-6:] == ["report", "report_hold", "reports_dismiss", "approve", "report", "reports_dismiss"]
    with client.application.app_context():
        assert db.session.query(CommentReport).filter(CommentReport.dismissed_at.is_(None)).count() == 0


def test_dismissing_does_not_publish_a_comment_a_moderator_held(client, moderator):
    comment = approved_comment(client, moderator)
    report(client, comment["id"], 0)
    client.post(f"/api/moderation/comments/{comment['id']}/reject", headers=moderator)
    dismissed = client.post(f"/api/moderation/comments/{comment['id']}/reports/dismiss", headers=moderator)
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "rejected"
    assert client.post("/api/moderation/comments/999999/reports/dismiss", headers=moderator).status_code == 404
    assert client.post(f"/api/moderation/comments/{comment['id']}/reports/dismiss").status_code == 401


def test_a_stale_approval_of_a_reported_comment_is_still_refused(make_app, moderator):
    client = make_app(MODERATION="post").test_client()
    created = post_comment(client, body="first text").get_json()
    for n in range(3):
        report(client, created["id"], n)
    shown = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"][0]
    assert shown["status"] == "pending" and shown["edited_at"] is None
    edited = client.patch(f"/api/comments/{created['id']}", json={"body": "changed after the hold"},
                          headers={"X-Edit-Token": created["edit_token"]})
    assert edited.status_code == 200
    path = f"/api/moderation/comments/{created['id']}"
    for action in ("approve", "reports/dismiss"):
        stale = client.post(f"{path}/{action}", json={"expected_edited_at": None}, headers=moderator)
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "comment_changed"
    assert thread_ids(client) == []
    fresh = client.post(f"{path}/reports/dismiss", json={"expected_edited_at": edited.get_json()["edited_at"]},
                        headers=moderator)
    assert fresh.status_code == 200 and fresh.get_json()["status"] == "approved"


def test_reports_are_rate_limited_per_address(make_app, moderator):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REPORTS="2 per minute").test_client()
    ids = [approved_comment(client, moderator, body=f"c{n}")["id"] for n in range(3)]
    assert [report(client, i, 7).status_code for i in ids] == [201, 201, 429]
    limited = report(client, ids[2], 8)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_each_new_report_is_told_to_the_webhook(make_app, hook, moderator):  # noqa: F811 - the fixture
    app = hook_app(make_app, hook.url, REPORTS_TO_HOLD=2)
    client = app.test_client()
    comment = approved_comment(client, moderator, author="Eve", body="Rude words")
    drain(app)
    hook.all()
    report(client, comment["id"], 1, "abuse", note="insults <b>me</b>")
    report(client, comment["id"], 1, "spam")  # counted once, told once
    report(client, comment["id"], 2, "spam")
    drain(app)
    bodies = [verified(sent) for sent in hook.all()]
    told = [b for b in bodies if b["type"] == "comment.reported"]
    assert len(told) == 2
    assert told[0]["report"] == {"reason": "abuse", "note": "insults <b>me</b>", "held": False,
                                 "reports": {"count": 1, "reasons": {"abuse": 1}}}
    assert told[1]["report"]["held"] is True and told[1]["comment"]["status"] == "pending"
    assert "&lt;" not in json.dumps(told[0]["report"]) and "reported as abuse" in told[0]["text"]
    assert "/moderate" in told[0]["moderate_url"]
