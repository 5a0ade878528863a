"""One address's new likes on one post are bounded per day (RATELIMIT_LIKES_PER_POST), whatever reader tokens it rotates."""
from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select

from comments_service.extensions import db
from comments_service.models import PostLike
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT
from tests.helpers import publish

ADDRESS, OTHER_ADDRESS = "192.0.2.30", "192.0.2.40"
LIMIT = 5


def token(n: int) -> dict[str, str]:
    return {"X-Reader-Token": f"rotating-reader-{n:05d}-abcdef"}


@pytest.fixture
def limited(make_app, client, editor):
    """A client allowed many likes a minute but 5 new likes a day per address and post; posts p and q exist."""
    publish(client, editor, "p")
    publish(client, editor, "q")
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LIKES="1000 per minute", RATELIMIT_LIKES_PER_POST=f"{LIMIT} per day")
    return app.test_client()


def like(client, n, slug="p", address=ADDRESS, method="post", **headers):
    return getattr(client, method)(f"/api/posts/{slug}/likes", headers={**token(n), **headers},
                                   environ_base={"REMOTE_ADDR": address})


def like_count(client, slug="p"):
    return client.get(f"/api/posts/{slug}").get_json()["like_count"]


def assert_refused(response):
    assert response.status_code == 429, response.get_json()
    assert response.get_json() == {"error": {"code": "rate_limited", "message": "Too many requests; slow down."}}
    assert 1 <= int(response.headers["Retry-After"]) <= 86400
    assert response.headers["X-RateLimit-Limit"] == str(LIMIT)


def rotating_tokens(client):
    return [like(client, n) for n in range(12)]


def forged_forwarded_for(client):
    return [like(client, n, **{"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(12)]


def like_then_unlike_each(client):
    answers = []
    for n in range(12):
        answers.append(like(client, n))
        like(client, n, method="delete")
    return answers


def unlike_and_like_again(client):
    answers = [like(client, n) for n in range(LIMIT)]
    for n in range(LIMIT):
        assert like(client, n, method="delete").status_code == 200
    return answers + [like(client, n) for n in range(LIMIT)] + [like(client, 100 + n) for n in range(3)]


ATTACKS = {f.__name__: f for f in (rotating_tokens, forged_forwarded_for, like_then_unlike_each, unlike_and_like_again)}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_one_address_adds_at_most_the_limit_to_a_post(limited, client, app, attack):
    answers = attack(limited)
    statuses = [r.status_code for r in answers]
    assert statuses[:LIMIT] == [200] * LIMIT and set(statuses[LIMIT:]) == {429}, statuses
    for refused in answers[LIMIT:]:
        assert_refused(refused)
    assert max(r.get_json()["like_count"] for r in answers[:LIMIT]) <= LIMIT
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(PostLike))
    assert like_count(client) == stored <= LIMIT


def test_rotating_tokens_stop_at_the_limit_and_the_count_stays_there(limited, client):
    assert [like(limited, n).get_json()["like_count"] for n in range(LIMIT)] == list(range(1, LIMIT + 1))
    for n in range(LIMIT, LIMIT + 10):
        assert_refused(like(limited, n))
    assert like_count(client) == LIMIT
    # A reader who already likes it may say so again: nothing new is added.
    again = like(limited, 0)
    assert again.status_code == 200 and again.get_json() == {"like_count": LIMIT, "liked": True}


def test_unliking_gives_no_budget_back(limited, client):
    for n in range(LIMIT):
        assert like(limited, n).status_code == 200
    for n in range(3):
        assert like(limited, n, method="delete").get_json() == {"like_count": LIMIT - 1 - n, "liked": False}
    for n in (0, 1, 2, 50, 51):
        assert_refused(like(limited, n))
    assert like_count(client) == LIMIT - 3


def test_another_post_from_that_address_still_works(limited, client):
    for n in range(LIMIT + 2):
        like(limited, n)
    assert [like(limited, n, "q").status_code for n in range(LIMIT)] == [200] * LIMIT
    assert (like_count(client, "p"), like_count(client, "q")) == (LIMIT, LIMIT)


def test_another_address_still_works_on_that_post(limited, client):
    for n in range(LIMIT + 2):
        like(limited, n)
    others = [like(limited, 1000 + n, address=OTHER_ADDRESS) for n in range(LIMIT)]
    assert [r.status_code for r in others] == [200] * LIMIT
    assert like_count(client) == 2 * LIMIT
    assert_refused(like(limited, 2000, address=OTHER_ADDRESS))


def test_the_per_post_limit_is_off_when_rate_limits_are(make_app, client, editor):
    publish(client, editor, "p")
    free = make_app(RATELIMIT_ENABLED=False, RATELIMIT_LIKES_PER_POST="1 per day").test_client()
    assert {like(free, n).status_code for n in range(30)} == {200}
    assert like_count(client) == 30


def test_the_per_post_count_is_shared_by_workers_and_holds_no_address(make_app, client, editor):
    publish(client, editor, "p")
    workers = [make_app(RATELIMIT_ENABLED=True, RATELIMIT_LIKES_PER_POST="3 per day").test_client() for _ in range(2)]
    statuses = [like(workers[n % 2], n).status_code for n in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]
    store = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    keys = [k.decode() for k in store.scan_iter() if b"ratelimit_likes_per_post" in k]
    assert len(keys) == 1 and ADDRESS not in keys[0] and "/p/" not in keys[0]
    assert 0 < store.ttl(keys[0]) <= 86400


def test_a_per_post_limit_that_does_not_parse_is_refused(make_app):
    with pytest.raises(RuntimeError, match="RATELIMIT_LIKES_PER_POST"):
        make_app(RATELIMIT_LIKES_PER_POST="20 per fortnight")
