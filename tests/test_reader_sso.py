"""The blog's own login: JWTs exchanged for sessions, the table of tokens refused, sign-out, expiry."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update

from comments_service.account_models import ReaderSession
from comments_service.extensions import db
from tests.accounts_helpers import BLOG, SSO_SECRET, session, sign_in, sso_token

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC_PEM = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict, claims: dict, key: bytes | None = None) -> str:
    """A JWT built by hand, as an attacker would: any header, an HMAC with any key, or no signature."""
    signing = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = b64(hmac.new(key, signing.encode(), hashlib.sha256).digest()) if key is not None else ""
    return signing + "." + signature


def claims(**changes):
    now = int(time.time())
    return {"sub": "u-1", "name": "Ada", "iat": now, "exp": now + 300, **changes}


@pytest.fixture(scope="module")
def sso_app(make_app):
    return make_app(SSO_SECRET=SSO_SECRET, SSO_AUDIENCE=None, CORS_ORIGINS=[BLOG])


@pytest.fixture(scope="module")
def aud_app(make_app):
    return make_app(SSO_SECRET=SSO_SECRET, SSO_AUDIENCE="comments.example", CORS_ORIGINS=[BLOG])


BAD_TOKENS = {
    "expired": lambda: sso_token(lifetime=-120),
    "no exp": lambda: jwt.encode({"sub": "u-1", "name": "Ada"}, SSO_SECRET, algorithm="HS256"),
    "no sub": lambda: jwt.encode({"name": "Ada", "exp": int(time.time()) + 60}, SSO_SECRET, algorithm="HS256"),
    "empty sub": lambda: sso_token(sub=" "),
    "unsigned (alg none)": lambda: handmade({"alg": "none", "typ": "JWT"}, claims()),
    "alg none with a signature": lambda: handmade({"alg": "none", "typ": "JWT"}, claims(), SSO_SECRET.encode()),
    "another key": lambda: sso_token(secret="another-secret-of-someone-else-0123456789"),
    "another algorithm (HS512, same key)": lambda: sso_token(algorithm="HS512"),
    "RS256 signed with a private key": lambda: jwt.encode(claims(), RSA_KEY, algorithm="RS256"),
    "key confusion (HS256 keyed with an RSA public key)": lambda: handmade({"alg": "HS256", "typ": "JWT"}, claims(),
                                                                           RSA_PUBLIC_PEM),
    "RS256 header over an HMAC": lambda: handmade({"alg": "RS256", "typ": "JWT"}, claims(), SSO_SECRET.encode()),
    "tampered claims": lambda: (lambda t: t.split(".")[0] + "." + b64(json.dumps(claims(sub="admin")).encode())
                                + "." + t.split(".")[2])(sso_token()),
    "lives for a week": lambda: sso_token(lifetime=7 * 86400),
    "not before the future": lambda: sso_token(nbf=int(time.time()) + 3600),
    "not a JWT": lambda: "hello",
    "three dots of garbage": lambda: "a.b.c",
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_a_bad_token_is_refused_with_401_and_a_reason(sso_app, case):
    client = sso_app.test_client()
    response = client.post("/api/session", json={"sso": BAD_TOKENS[case]()})
    assert response.status_code == 401, (case, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] == "invalid_sso_token" and error["message"], case
    with sso_app.app_context():
        assert db.session.scalar(select(ReaderSession.id)) is None, "no session for a refused token"


@pytest.mark.parametrize("aud, status", [("comments.example", 200), (["other", "comments.example"], 200),
                                         ("evil.example", 401), (None, 401)])
def test_with_an_audience_set_only_tokens_for_it_pass(aud_app, aud, status):
    response = aud_app.test_client().post("/api/session", json={"sso": sso_token(aud=aud)})
    assert response.status_code == status, response.get_json()
    if status == 401:
        assert response.get_json()["error"]["code"] == "invalid_sso_token"


def test_a_token_within_the_allowed_skew_passes_and_beyond_it_does_not(sso_app):
    client = sso_app.test_client()
    assert client.post("/api/session", json={"sso": sso_token(lifetime=-10)}).status_code == 200  # leeway 30 s
    assert client.post("/api/session", json={"sso": sso_token(lifetime=-45)}).status_code == 401


def test_without_sso_secret_an_sso_token_is_refused(client):
    response = client.post("/api/session", json={"sso": sso_token()})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "sso_not_configured"


@pytest.mark.parametrize("body, status", [({}, 422), ({"sso": 5}, 422), ({"sso": ""}, 422)])
def test_a_malformed_body_is_a_422(sso_app, body, status):
    assert sso_app.test_client().post("/api/session", json=body).status_code == status


def test_sign_in_answers_a_session_and_me_tells_who(sso_app):
    client = sso_app.test_client()
    answer = sign_in(client, sub="blog-42", name="Ada Lovelace", email="Ada@Example.com")
    assert answer["session"].startswith("rs_") and len(answer["session"]) > 40
    assert answer["reader"] == {"name": "Ada Lovelace", "verified": True, "email": "ada@example.com",
                                "notify_replies": False}
    me = client.get("/api/me", headers=session(answer)).get_json()
    assert me["reader"]["name"] == "Ada Lovelace" and me["providers"] == ["sso"] and me["comments"] == 0
    # Signing in again with the same sub is the same account; the blog's new name is taken.
    again = sign_in(client, sub="blog-42", name="Ada King")
    assert again["session"] != answer["session"]
    assert client.get("/api/me", headers=session(answer)).get_json()["reader"]["name"] == "Ada King"
    with sso_app.app_context():
        stored = list(db.session.scalars(select(ReaderSession.token_hash)))
    assert len(stored) == 2 and answer["session"] not in stored and again["session"] not in stored


def test_sign_out_ends_the_session_on_the_server(sso_app):
    client = sso_app.test_client()
    answer = sign_in(client)
    assert client.delete("/api/session", headers=session(answer)).status_code == 204
    for response in (client.get("/api/me", headers=session(answer)),
                     client.get("/api/posts/p/comments", headers=session(answer)),
                     client.delete("/api/session", headers=session(answer))):
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "session_invalid"
    assert client.get("/api/me").get_json()["error"]["code"] == "sign_in_required"


def test_an_expired_session_is_refused(sso_app):
    client = sso_app.test_client()
    answer = sign_in(client)
    with sso_app.app_context():
        db.session.execute(update(ReaderSession).values(expires_at=ReaderSession.created_at))
        db.session.commit()
    assert client.get("/api/me", headers=session(answer)).status_code == 401


@pytest.mark.parametrize("token", ["rs_unknown", "not-a-session", "rs_" + "x" * 200])
def test_an_unknown_session_token_is_a_401(sso_app, token):
    response = sso_app.test_client().get("/api/me", headers={"X-Reader-Session": token})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "session_invalid"


def test_the_session_header_passes_cors_preflight(sso_app):
    response = sso_app.test_client().options("/api/me", headers={
        "Origin": BLOG, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-reader-session"})
    assert response.status_code == 204
    assert "x-reader-session" in response.headers.get("Access-Control-Allow-Headers", "").lower()
