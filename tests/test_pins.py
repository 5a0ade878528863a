"""Pinned comments: first on page one of every sort, keyset paging past them with none twice and none lost."""
from __future__ import annotations

import pytest

from tests.helpers import READER, approved_comment, walk


def pin(client, moderator, comment_id, action="pin"):
    return client.post(f"/api/moderation/comments/{comment_id}/{action}", headers=moderator)


def pages(client, sort, limit, slug="hello"):
    """Read every page of a thread; return the top-level ids page by page."""
    found, cursor = [], None
    while True:
        query = f"/api/posts/{slug}/comments?sort={sort}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(query, headers=READER)
        assert answer.status_code == 200, answer.get_json()
        data = answer.get_json()
        found.append([c["id"] for c in data["comments"]])
        cursor = data["next_cursor"]
        if cursor is None:
            return found


@pytest.fixture
def thread(client, moderator):
    ids = [approved_comment(client, moderator, body=f"comment {n}")["id"] for n in range(7)]
    for n, comment_id in enumerate(ids[:4]):  # likes for "top": 3, 2, 1, 0, 0, ...
        for r in range(3 - n):
            client.post(f"/api/comments/{comment_id}/likes", headers={"X-Reader-Token": f"liker-token-{r:08d}"})
    return ids


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 20])
def test_pinned_comments_come_first_and_paging_shows_each_once(client, moderator, thread, sort, limit):
    unpinned = [i for p in pages(client, sort, 100) for i in p]
    for comment_id in (thread[5], thread[2]):
        assert pin(client, moderator, comment_id).status_code == 200
    seen = pages(client, sort, limit)
    flat = [i for p in seen for i in p]
    assert sorted(flat) == sorted(thread) and len(flat) == len(set(flat)), "none twice, none lost"
    pinned_order = [i for i in unpinned if i in (thread[5], thread[2])]
    assert flat[:2] == pinned_order, "the pinned ones first, in the sort's own order"
    assert flat[2:] == [i for i in unpinned if i not in pinned_order]
    assert all(len(p) <= limit for p in seen)


def test_pinned_shows_on_every_path_and_goes_with_unpin(client, moderator, thread):
    pinned = pin(client, moderator, thread[3])
    assert pinned.get_json()["pinned"] is True and pinned.get_json()["status"] == "approved"
    for _ in range(2):  # built, then a cache hit
        first = client.get("/api/posts/hello/comments?limit=2", headers=READER).get_json()
        assert first["comments"][0]["id"] == thread[3] and first["comments"][0]["pinned"] is True
        assert [c["pinned"] for c in first["comments"][1:]] == [False]
    later = client.get(f"/api/posts/hello/comments?limit=2&cursor={first['next_cursor']}").get_json()
    assert all(c["pinned"] is False for c in walk(later["comments"]))
    assert pin(client, moderator, thread[3]).status_code == 200, "pinning twice changes nothing"
    unpinned = pin(client, moderator, thread[3], "unpin")
    assert unpinned.status_code == 200 and unpinned.get_json()["pinned"] is False
    first = client.get("/api/posts/hello/comments?limit=2", headers=READER).get_json()
    assert first["comments"][0]["id"] == thread[0], "the cached page followed the unpin"
    log = client.get(f"/api/moderation/log?comment_id={thread[3]}", headers=moderator).get_json()["events"]
    assert [e["action"] for e in log][:2] == ["unpin", "pin"]


def test_only_a_published_top_level_comment_can_be_pinned(client, moderator, thread):
    reply = approved_comment(client, moderator, body="a reply", parent_id=thread[0])
    refused = pin(client, moderator, reply["id"])
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_top_level"
    client.post(f"/api/moderation/comments/{thread[1]}/reject", headers=moderator)
    assert pin(client, moderator, thread[1]).get_json()["error"]["code"] == "not_public"
    assert pin(client, moderator, 999999).status_code == 404
    assert client.post(f"/api/moderation/comments/{thread[0]}/pin").status_code == 401
    assert client.get(f"/api/moderation/comments/{thread[0]}/pin", headers=moderator).status_code == 405


def test_a_pinned_reply_thread_keeps_its_replies(client, moderator, thread):
    reply = approved_comment(client, moderator, body="answer", parent_id=thread[6])
    pin(client, moderator, thread[6])
    first = client.get("/api/posts/hello/comments?limit=1").get_json()["comments"][0]
    assert first["id"] == thread[6] and [r["id"] for r in first["replies"]] == [reply["id"]]
    assert first["replies"][0]["pinned"] is False
