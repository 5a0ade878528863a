"""AUTO_APPROVE_KNOWN_AUTHORS trusts proof, not text: a typed e-mail earns neither approval nor the author's identicon."""
from __future__ import annotations

import pytest

from tests.helpers import approve

ADA = "ada@example.com"
ADA_BROWSER = {"X-Reader-Token": "ada-browser-token-0123456789"}
OTHER_BROWSER = {"X-Reader-Token": "someone-else-token-9876543210"}
TYPED = [ADA, "ADA@EXAMPLE.COM", "Ada@Example.com", " ada@example.com", "ada@example.com ", "\tADA@example.com\n"]


@pytest.fixture(scope="module")
def trusted_app(make_app):
    return make_app(AUTO_APPROVE_KNOWN_AUTHORS=True)


@pytest.fixture
def trusted(trusted_app):
    return trusted_app.test_client()


def comment(client, body, email=ADA, headers=None):
    response = client.post("/api/posts/p/comments", json={"author": "Ada", "email": email, "body": body},
                           headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def known_ada(trusted, moderator):
    """Ada, with one approved comment written from her browser."""
    first = comment(trusted, "my first comment", headers=ADA_BROWSER)
    approve(trusted, moderator, first["id"])
    return first


def public_ids(client):
    return [c["id"] for c in client.get("/api/posts/p/comments").get_json()["comments"]]


@pytest.mark.parametrize("headers", [OTHER_BROWSER, {}], ids=["another reader token", "no reader token"])
@pytest.mark.parametrize("email", TYPED)
def test_a_typed_known_email_from_another_reader_waits_and_gets_another_identicon(trusted, known_ada, email, headers):
    typed = comment(trusted, "I am Ada, trust me", email=email, headers=headers)
    assert typed["status"] == "pending"
    assert public_ids(trusted) == [known_ada["id"]]
    assert typed["avatar"] != known_ada["avatar"]


@pytest.mark.parametrize("email", [ADA, "ADA@example.com", " Ada@Example.COM "])
def test_the_same_reader_token_with_the_same_email_is_approved_at_once(trusted, known_ada, email):
    again = comment(trusted, "me again", email=email, headers=ADA_BROWSER)
    assert again["status"] == "approved"
    assert public_ids(trusted) == [known_ada["id"], again["id"]]
    assert again["avatar"] == known_ada["avatar"]


def test_the_same_reader_token_with_another_email_waits(trusted, known_ada):
    assert comment(trusted, "new address", email="ada@elsewhere.example", headers=ADA_BROWSER)["status"] == "pending"


def test_a_comment_without_email_is_never_known(trusted, moderator):
    first = trusted.post("/api/posts/p/comments", json={"author": "Ada", "body": "one"}, headers=ADA_BROWSER)
    approve(trusted, moderator, first.get_json()["id"])
    second = trusted.post("/api/posts/p/comments", json={"author": "Ada", "body": "two"}, headers=ADA_BROWSER)
    assert second.get_json()["status"] == "pending"


def test_approved_comments_from_an_import_make_no_typed_email_known(trusted, runner, tmp_path):
    client = trusted
    export = ('<?xml version="1.0" encoding="utf-8"?>\n'
              '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
              '<thread dsq:id="1"><id>p</id><link>https://blog.example/p</link><title>P</title>'
              "<createdAt>2020-01-01T00:00:00Z</createdAt></thread>\n"
              '<post dsq:id="2"><message><![CDATA[<p>imported</p>]]></message><createdAt>2020-01-02T00:00:00Z'
              "</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
              f"<author><name>Ada</name><email>{ADA}</email></author>"
              '<thread dsq:id="1" /></post>\n</disqus>\n')
    path = tmp_path / "disqus.xml"
    path.write_text(export, encoding="utf-8")
    assert runner.invoke(args=["import", "disqus", str(path)]).exit_code == 0
    [imported] = client.get("/api/posts/p/comments").get_json()["comments"]
    for headers in (ADA_BROWSER, {}):
        typed = comment(client, "as Ada", headers=headers)
        assert typed["status"] == "pending" and typed["avatar"] != imported["avatar"]
