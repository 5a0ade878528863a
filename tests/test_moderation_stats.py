"""The dashboard's numbers: per UTC day by status with every day present, the queue, spam reasons, busy posts."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import flask_migrate
import pytest
from sqlalchemy import text, update

from comments_service import stats, users
from comments_service.extensions import db
from comments_service.models import Comment, Role
from comments_service.web import charts
from tests.helpers import approve, desk_login, post_comment, publish

TODAY = datetime.now(timezone.utc).date()


def at(days_ago: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour, minute), tzinfo=timezone.utc)


def backdate(app, comment_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(created_at=when))
        db.session.commit()


def made(client, slug="p", **fields):
    response = post_comment(client, slug, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def history(app, client, moderator, editor):
    """Comments over six weeks: approved, pending, rejected, spam, deleted; the oldest pending 3 days old."""
    publish(client, editor, "busy", title="A busy post")
    publish(client, editor, "quiet", title="A quiet post")
    ids = {}
    for name, slug, days_ago, hour in (("a1", "busy", 0, 1), ("a2", "busy", 0, 2), ("a3", "quiet", 1, 23),
                                       ("p1", "busy", 3, 8), ("p2", "quiet", 0, 3), ("r1", "busy", 1, 0),
                                       ("old", "busy", 40, 12), ("edge", "quiet", 29, 0), ("gone", "busy", 0, 4)):
        ids[name] = made(client, slug, body=f"comment {name}")
        backdate(app, ids[name], at(days_ago, hour))
    spam_id = made(client, "quiet", body="x", website_confirm="http://bot.example")
    links = made(client, "quiet", body="[a](https://a.example) [b](https://b.example) [c](https://c.example) [d](https://d.example)")
    backdate(app, spam_id, at(2))
    backdate(app, links, at(2))
    for name in ("a1", "a2", "a3", "old", "edge"):
        approve(client, moderator, ids[name])
    assert client.post(f"/api/moderation/comments/{ids['r1']}/reject", headers=moderator).status_code == 200
    assert client.delete(f"/api/moderation/comments/{ids['gone']}", headers=moderator).status_code == 204
    return ids


def get_stats(client, moderator, query=""):
    response = client.get(f"/api/moderation/stats{query}", headers=moderator)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_day_present_with_counts_by_status(client, moderator, history):
    data = get_stats(client, moderator)
    days = data["days"]
    assert len(days) == 30 and days[-1]["date"] == TODAY.isoformat()
    assert days[0]["date"] == (TODAY - timedelta(days=29)).isoformat()
    assert [d["date"] for d in days] == sorted(d["date"] for d in days)
    by_date = {d["date"]: {k: v for k, v in d.items() if k != "date"} for d in days}
    assert by_date[TODAY.isoformat()] == {"approved": 2, "pending": 1, "rejected": 0, "spam": 0}
    assert by_date[(TODAY - timedelta(days=1)).isoformat()] == {"approved": 1, "pending": 0, "rejected": 1, "spam": 0}
    assert by_date[(TODAY - timedelta(days=2)).isoformat()] == {"approved": 0, "pending": 1, "rejected": 0, "spam": 1}
    assert by_date[(TODAY - timedelta(days=29)).isoformat()]["approved"] == 1  # midnight of the first day counts
    assert sum(sum(v.values()) for v in by_date.values()) == 9  # "old" is outside; "gone" is deleted
    assert by_date[(TODAY - timedelta(days=5)).isoformat()] == {"approved": 0, "pending": 0, "rejected": 0, "spam": 0}
    assert data["queue"] == {"pending": 3, "oldest_pending_at": at(3, 8).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert data["spam_reasons"] == [{"reason": "honeypot", "count": 1}, {"reason": "too_many_links", "count": 1}]
    assert [(p["slug"], p["comments"]) for p in data["posts"]] == [("busy", 2), ("quiet", 2)]
    assert data["posts"][0]["title"] == "A busy post"


def test_days_bounds_and_shorter_ranges(client, moderator, history):
    one = get_stats(client, moderator, "?days=1")["days"]
    assert one == [{"date": TODAY.isoformat(), "approved": 2, "pending": 1, "rejected": 0, "spam": 0}]
    year = get_stats(client, moderator, "?days=365")
    assert len(year["days"]) == 365 and sum(d["approved"] for d in year["days"]) == 5
    assert [(p["slug"], p["comments"]) for p in year["posts"]] == [("busy", 3), ("quiet", 2)]
    for bad in ("0", "366", "-1", "abc", "1.5", ""):
        response = client.get(f"/api/moderation/stats?days={bad}", headers=moderator)
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["code"] == "validation_error"


def test_an_empty_queue_and_the_roles(client, moderator, editor):
    assert get_stats(client, moderator)["queue"] == {"pending": 0, "oldest_pending_at": None}
    assert client.get("/api/moderation/stats").status_code == 401
    assert client.get("/api/moderation/stats", headers=editor).status_code == 403


def test_days_are_utc_whatever_the_database_session_zone(app, history):
    with app.app_context():
        db.session.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))  # UTC+14: 23:00 UTC is tomorrow there
        days = stats.per_day(2)
        db.session.rollback()
    assert days[0] == {"date": (TODAY - timedelta(days=1)).isoformat(), "approved": 1, "pending": 0,
                       "rejected": 1, "spam": 0}


def test_sqlite_counts_the_same_days(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'stats.db'}", REDIS_URL=None)
    with app.app_context():
        flask_migrate.upgrade()
    client = app.test_client()
    first, second = made(client, body="one"), made(client, body="two")
    backdate(app, first, at(1, 23, 59))
    with app.app_context():
        days = stats.per_day(3)
        assert stats.queue_state()["pending"] == 2
    assert [(d["date"], d["pending"]) for d in days] == [
        ((TODAY - timedelta(days=2)).isoformat(), 0), ((TODAY - timedelta(days=1)).isoformat(), 1),
        (TODAY.isoformat(), 1)]
    assert second


def test_the_desk_dashboard_draws_what_the_api_counts(app, client, moderator, history):
    with app.app_context():
        users.create_user("mia", "a long enough password", Role.MODERATOR)
    assert desk_login(client, "mia", "a long enough password").status_code == 303
    page = client.get("/moderate/dashboard").get_data(as_text=True)
    assert "<title id=\"days-title\">Comments per day by status, the last 30 days</title>" in page
    assert page.count('<g class="day">') == 30
    # Today's bar: two approved, one pending, in words for its tooltip and screen readers.
    today = at(0).strftime("%a %d %b")
    assert f"<title>{today}: 2 approved, 1 pending</title>" in page
    assert "Hidden field filled (a bot): 1" in page and "A busy post: 2" in page
    week = client.get("/moderate/dashboard?days=7").get_data(as_text=True)
    assert week.count('<g class="day">') == 7
    for bad in ("0", "366", "x"):
        response = client.get(f"/moderate/dashboard?days={bad}")
        assert response.status_code == 422 and response.mimetype == "text/html"


def test_chart_scale_is_round():
    assert [charts.nice_ceiling(v) for v in (0, 3, 5, 9, 11, 23, 140, 999, 1001)] == [4, 4, 5, 10, 20, 25, 200,
                                                                                        1000, 2000]
    chart = charts.day_chart([{"date": "2026-01-0" + str(d), "approved": d, "pending": 0, "rejected": 1, "spam": 0}
                              for d in range(1, 4)])
    assert [b.total for b in chart.bars] == [2, 3, 4] and chart.ticks[-1][1] == 4
    top = chart.bars[-1]
    assert top.segments[0].y + top.segments[0].height == pytest.approx(chart.height - chart.bottom)
    assert sum(s.height for s in top.segments) == pytest.approx(chart.height - chart.top - chart.bottom)
    assert [b.label for b in chart.bars] == ["1 Jan", "2 Jan", "Today"]
