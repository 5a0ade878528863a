from tests.helpers import approved_comment, post_comment


def test_post_then_approve_shows_comment(client, moderator):
    created = approved_comment(client, moderator, "first-post", body="Hi **there**")
    thread = client.get("/api/posts/first-post/comments").get_json()
    assert [c["id"] for c in thread["comments"]] == [created["id"]]
    assert thread["comments"][0]["body_html"] == "<p>Hi <strong>there</strong></p>"


def test_pending_comment_is_hidden(client):
    assert post_comment(client, "p").status_code == 201
    assert client.get("/api/posts/p/comments").get_json()["comments"] == []
