"""One URL rule everywhere a URL is stored or shown: no link leaves the site in disguise."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from comments_service import sanitize, urls, users
from comments_service.extensions import db
from comments_service.models import Comment, Post, Role
from tests.helpers import approved_comment, publish
from tests.inert import links
from tests.test_moderate_page import PASSWORD, login
from tests.url_cases import CASES, generated

ABSOLUTE = [(url, accepted and url.lower().startswith("http")) for url, accepted in CASES]


@pytest.mark.parametrize("url, accepted", CASES)
def test_the_rule_accepts_site_paths_and_http_urls_only(url, accepted):
    assert urls.is_safe_url(url) is accepted


def test_generated_variants_that_pass_are_plain_site_paths_or_http_urls():
    # Whatever passes reads the same to a naive reader and to a browser: no backslash, no space, no "//" path.
    for url in filter(urls.is_safe_url, generated()):
        assert "\\" not in url and "%5c" not in url.lower() and url.isprintable() and " " not in url
        assert url.startswith("/") and not url.startswith(("//", "/%2f", "/%2F")) or url.lower().startswith(
            ("http://", "https://")
        ), url


def _stored_post(app, slug):
    with app.app_context():
        return db.session.scalar(select(Post).where(Post.slug == slug))


@pytest.mark.parametrize("url, accepted", ABSOLUTE)
def test_a_post_url_from_the_publishing_system_follows_the_rule(client, editor, app, url, accepted):
    response = publish(client, editor, "p", url=url)
    if accepted:
        assert response.status_code == 201, response.get_json()
        assert client.get("/api/posts/p").get_json()["url"] == url
    else:
        assert response.status_code == 422, response.get_json()
        assert "url" in response.get_json()["error"]["fields"]
        assert _stored_post(app, "p") is None


@pytest.mark.parametrize("url", ["/\\evil.example/phish", "//evil.example", "https:evil.example", "/demo"])
def test_changing_a_post_to_a_bad_url_changes_nothing(client, editor, app, url):
    assert publish(client, editor, "p", url="https://blog.example/p").status_code == 201
    response = publish(client, editor, "p", url=url, title="Changed")
    assert response.status_code == 422
    assert client.get("/api/posts/p").get_json()["url"] == "https://blog.example/p"
    assert _stored_post(app, "p").title == "P"


@pytest.mark.parametrize("url, accepted", ABSOLUTE)
def test_an_author_website_follows_the_rule(client, url, accepted):
    response = client.post("/api/posts/p/comments", json={"author": "Ada", "body": "hi", "website": url})
    if url == "":
        assert response.status_code == 201 and response.get_json()["website"] is None
    elif accepted:
        assert response.status_code == 201 and response.get_json()["website"] == url
    else:
        assert response.status_code == 422, response.get_json()
        assert "website" in response.get_json()["error"]["fields"]


def test_a_website_with_spaces_around_it_is_stored_trimmed(client):
    response = client.post("/api/posts/p/comments", json={"author": "A", "body": "hi", "website": " https://a.example "})
    assert response.status_code == 201 and response.get_json()["website"] == "https://a.example"


def _export(posts, comments=()):
    return {"format": "comments-service-export", "version": 1, "site": "othersite", "posts": posts,
            "comments": list(comments), "moderation_log": []}


def test_the_json_import_keeps_only_urls_that_follow_the_rule(runner, app, tmp_path):
    posts = [{"slug": f"p{i}", "title": f"P{i}", "url": url} for i, (url, _) in enumerate(CASES)]
    comments = [{"id": i + 1, "post": "p0", "status": "approved", "author": "A", "body_source": f"c{i}",
                 "website": url, "created_at": "2024-01-02T00:00:00Z"} for i, (url, _) in enumerate(CASES)]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_export(posts, comments)), encoding="utf-8")
    result = runner.invoke(args=["import", "json", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = dict(db.session.execute(select(Post.slug, Post.url)).all())
        websites = dict(db.session.execute(select(Comment.body_source, Comment.website)).all())
    # A file's values are trimmed first, as in XML text; what is left must pass.
    trimmed = {" /ok": "/ok", "/ok ": "/ok"}
    for i, (url, accepted) in enumerate(CASES):
        kept = trimmed.get(url) or (url if accepted else None)
        assert stored[f"p{i}"] == kept, url
        assert websites[f"c{i}"] == (kept if kept and kept.lower().startswith("http") else None), url


@pytest.mark.parametrize("link", ["/\\evil.example/phish", "https:/\\evil.example/x", "https://blog.example@evil.example/x",
                                  "java\tscript:alert(1)", "https://evil.example\\@blog.example/x"])
def test_the_disqus_and_wordpress_imports_drop_a_thread_link_that_breaks_the_rule(runner, app, tmp_path, link):
    disqus = ('<?xml version="1.0" encoding="utf-8"?>\n'
              '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
              f'<thread dsq:id="1"><id>x</id><link>{link}</link><title>T</title>'
              "<createdAt>2020-01-01T00:00:00Z</createdAt></thread>\n"
              '<post dsq:id="2"><message><![CDATA[<p>hello</p>]]></message><createdAt>2020-01-02T00:00:00Z</createdAt>'
              "<isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>N</name></author>"
              '<thread dsq:id="1" /></post>\n</disqus>\n')
    path = tmp_path / "disqus.xml"
    path.write_text(disqus.replace("\t", "&#9;"), encoding="utf-8")
    result = runner.invoke(args=["import", "disqus", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(Post.url)).all() == [None]


def test_urls_stored_before_the_rule_are_not_shown(client, editor, moderator, app):
    publish(client, editor, "p", url="https://blog.example/p")
    approved_comment(client, moderator, "p", website="https://ada.example", body="kept")
    with app.app_context():
        db.session.execute(update(Post).values(url="/\\evil.example/phish"))
        db.session.execute(update(Comment).values(website="//evil.example"))
        db.session.commit()
    # Nothing was read before the change behind the service's back: every read below builds from the rows.
    assert client.get("/api/posts/p").get_json()["url"] is None
    [comment] = client.get("/api/posts/p/comments").get_json()["comments"]
    assert comment["website"] is None
    recent = client.get("/api/widgets/recent-comments").get_json()["comments"]
    assert recent[0]["post"]["url"] is None
    feed = client.get("/feeds/posts/p/comments.atom").data
    assert b"evil.example" not in feed
    queue = client.get("/api/moderation/comments?status=approved", headers=moderator).get_json()["comments"]
    assert queue[0]["website"] is None and queue[0]["post"]["url"] is None


@pytest.mark.parametrize("body", ["<a href=\"/\\evil.example/phish\">x</a>", "[x](/\\evil.example/phish)",
                                  "<a href=\"/&#92;evil.example\">x</a>", "<a href=\"//evil.example\">x</a>",
                                  "<a href=\"/%5Cevil.example\">x</a>", "[x](<java\tscript:alert(1)>)",
                                  "<a href=\"https:/&#x5c;evil.example\">x</a>", "<a href=\"/&Tab;/evil.example\">x</a>"])
def test_a_link_in_a_comment_that_breaks_the_rule_is_dropped_and_its_text_kept(body):
    html = sanitize.render_markdown(body)
    assert links(html) == [] and "x" in sanitize.html_to_text(html)
    assert sanitize.clean_html(html) == html


@pytest.mark.parametrize("body, href", [("[x](/page)", "/page"), ("[x](https://ok.example/?a=1&b=2)", "https://ok.example/?a=1&b=2"),
                                        ("[mail](mailto:a@example.com)", "mailto:a@example.com")])
def test_links_that_follow_the_rule_stay(body, href):
    assert links(sanitize.render_markdown(body))[0]["href"] == href


def test_the_desk_links_no_url_stored_before_the_rule(client, editor, moderator, app):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    publish(client, editor, "p", url="https://blog.example/p")
    client.post("/api/posts/p/comments", json={"author": "Eve", "body": "held", "website": "https://eve.example"})
    with app.app_context():
        db.session.execute(update(Post).values(url="/\\evil.example/phish"))
        db.session.execute(update(Comment).values(website="https://blog.example@evil.example/"))
        db.session.commit()
    assert login(client).status_code == 303
    page = client.get("/moderate").get_data(as_text=True)
    assert "Eve" in page and "held" in page
    assert 'href="/\\evil' not in page and 'href="https://blog.example@evil' not in page
    assert "blog.example@evil.example" in page  # shown as text for the moderator, not as a link


def test_embed_js_carries_the_same_patterns():
    source = (Path(urls.__file__).parent / "web/static/embed.js").read_text()
    assert f"var URL_BAD = new RegExp({json.dumps(urls.BAD)}, \"i\");" in source
    assert f"var URL_SHAPE = new RegExp({json.dumps(urls.SHAPE)}, \"i\");" in source
