"""OpenID Connect against a real provider (oidc-provider-mock): state, nonce and PKCE, the state kept server-side."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select, update

from comments_service import oidc_providers
from comments_service.account_models import SignInState
from comments_service.extensions import db
from tests.notify_helpers import release
from tests.oidc_helpers import CLIENT_ID, provider, settings

BLOG = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def issuer():
    with provider() as url:
        yield url


@pytest.fixture(scope="module")
def oidc_app(make_app, serve, issuer):
    app = make_app(**settings(issuer, BLOG))
    app.live = serve(app)
    app.config["PUBLIC_URL"] = app.live.url
    yield app
    release(app)


def start(app, origin=BLOG, name="testid"):
    return requests.get(f"{app.live.url}/accounts/oidc/{name}/start", params={"origin": origin},
                        allow_redirects=False, timeout=10)


def authorize(url, sub="alice"):
    """Sign in at the provider as ``sub``; return where it sends the browser back."""
    answer = requests.post(url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def handoff(page):
    found = re.search(r'<script type="application/json" id="cs-handoff">(.*?)</script>', page, re.S)
    assert found, page
    return json.loads(found.group(1))


def test_a_reader_signs_in_and_the_state_works_once(oidc_app, issuer):
    answer = start(oidc_app)
    assert answer.status_code == 303, answer.text
    to = urlsplit(answer.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(to.query).items()}
    assert f"{to.scheme}://{to.netloc}" == issuer
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == oidc_app.live.url + "/accounts/oidc/callback"
    assert query["code_challenge_method"] == "S256" and len(query["state"]) >= 40 and len(query["nonce"]) >= 32
    assert answer.headers.get("Set-Cookie") is None, "no cookie carries the sign-in"
    with oidc_app.app_context():
        row = db.session.scalar(select(SignInState))
        assert row.state_hash == hashlib.sha256(query["state"].encode()).hexdigest() and row.origin == BLOG
        assert row.nonce == query["nonce"]
        challenge = base64.urlsafe_b64encode(hashlib.sha256(row.code_verifier.encode()).digest()).rstrip(b"=")
        assert query["code_challenge"] == challenge.decode(), "the challenge is of the verifier kept server-side"
    back = authorize(answer.headers["Location"], sub="alice@example.org")
    page = requests.get(back, timeout=10)
    assert page.status_code == 200, page.text
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    data = handoff(page.text)
    assert data["origin"] == BLOG and data["reader"]["verified"] is True
    me = oidc_app.test_client().get("/api/me", headers={"X-Reader-Session": data["session"]}).get_json()
    assert me["providers"] == ["testid"]
    with oidc_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInState)) == 0
    again = requests.get(back, timeout=10)
    assert again.status_code == 400 and "already used" in again.text


def test_a_forged_state_is_refused(oidc_app):
    back = authorize(start(oidc_app).headers["Location"])
    forged = re.sub(r"state=[^&]+", "state=forged-state-value", back)
    page = requests.get(forged, timeout=10)
    assert page.status_code == 400 and "not known" in page.text and "cs-handoff" not in page.text


def test_an_id_token_for_another_nonce_is_refused(oidc_app):
    answer = start(oidc_app)
    with oidc_app.app_context():
        db.session.execute(update(SignInState).values(nonce="another-nonce-than-the-one-sent"))
        db.session.commit()
    page = requests.get(authorize(answer.headers["Location"]), timeout=10)
    assert page.status_code == 400 and "ID token did not pass the checks" in page.text


def test_an_expired_sign_in_is_refused(oidc_app):
    answer = start(oidc_app)
    with oidc_app.app_context():
        db.session.execute(update(SignInState).values(expires_at=SignInState.created_at))
        db.session.commit()
    page = requests.get(authorize(answer.headers["Location"]), timeout=10)
    assert page.status_code == 400 and "took too long" in page.text


def test_a_refusal_at_the_provider_is_said(oidc_app):
    location = start(oidc_app).headers["Location"]
    denied = requests.post(location, data={"action": "deny"}, allow_redirects=False, timeout=10).headers["Location"]
    page = requests.get(denied, timeout=10)
    assert page.status_code == 400 and "cancelled or refused" in page.text


@pytest.mark.parametrize("origin", ["http://evil.example", "*", ""])
def test_a_sign_in_starts_only_for_a_listed_blog_origin(oidc_app, origin):
    answer = start(oidc_app, origin=origin)
    assert answer.status_code == 400 and "CORS_ORIGINS" in answer.text and "Location" not in answer.headers


def test_an_unknown_provider_is_a_404_page(oidc_app):
    answer = start(oidc_app, name="nope")
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")


def test_the_widget_is_told_of_the_provider(oidc_app):
    assert oidc_app.test_client().get("/api/session/methods").get_json()["oidc"] == [
        {"name": "testid", "label": "Test ID"}]


@pytest.mark.parametrize("raw, problem", [
    ("not json", "JSON list"), ('{"a": 1}', "JSON list"), ('[{"name": "x"}]', "client_id"),
    ('[{"name": "x", "client_id": "a", "client_secret": "b"}]', "issuer"),
    ('[{"name": "sso", "preset": "google", "client_id": "a", "client_secret": "b"}]', "not a usable name"),
    ('[{"preset": "myspace", "client_id": "a", "client_secret": "b"}]', "unknown preset"),
])
def test_a_wrong_providers_setting_stops_the_service(raw, problem):
    with pytest.raises(RuntimeError, match=problem):
        oidc_providers.parse(raw)


def test_the_presets_fill_in_github_and_google():
    found = oidc_providers.parse('[{"preset": "google", "client_id": "g", "client_secret": "s"},'
                                 ' {"name": "gh", "preset": "github", "client_id": "h", "client_secret": "t"}]')
    assert found["google"].issuer == "https://accounts.google.com" and found["google"].is_oidc
    assert found["gh"].authorization_endpoint == "https://github.com/login/oauth/authorize"
    assert not found["gh"].is_oidc and found["gh"].label == "GitHub"
