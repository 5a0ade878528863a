"""Background jobs: written in the caller's transaction, run once, retried with backoff, then kept as failed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from comments_service import jobs, jobs_worker, users
from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from comments_service.models import Role

RAN: list[dict] = []
FAILS: dict[str, int] = {}


@jobs.handler("test-record")
def record(payload: dict) -> None:
    RAN.append(payload)


@jobs.handler("test-flaky")
def flaky(payload: dict) -> None:
    # Fails the first ``fails`` times it is asked, then succeeds.
    name = payload["name"]
    FAILS[name] = FAILS.get(name, 0) + 1
    if FAILS[name] <= payload["fails"]:
        raise RuntimeError(f"flaky failure {FAILS[name]}")
    RAN.append(payload)


@jobs.handler("test-give-up")
def give_up(payload: dict) -> None:
    raise jobs.GiveUp("this address was refused for good")


@pytest.fixture(autouse=True)
def fresh():
    RAN.clear()
    FAILS.clear()


def rows(app) -> list[Job]:
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def make_due(app) -> None:
    """Move every pending job's time to now, as if its backoff had passed."""
    with app.app_context():
        db.session.execute(update(Job).where(Job.state == JobState.PENDING).values(run_at=jobs.now_expr()))
        db.session.commit()


def test_a_job_of_a_transaction_that_rolls_back_never_exists(app):
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1})
        db.session.rollback()
        assert jobs_worker.drain() == 0
    assert rows(app) == [] and RAN == []


def test_a_committed_job_runs_once_and_is_gone(app):
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1})
        jobs.enqueue("test-record", {"n": 2})
        db.session.commit()
        assert jobs_worker.drain() == 2
        assert jobs_worker.drain() == 0
    assert RAN == [{"n": 1}, {"n": 2}]
    assert rows(app) == []


def test_a_job_waits_for_its_delay(app):
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1}, delay_seconds=600)
        db.session.commit()
        assert jobs_worker.drain() == 0
    [job] = rows(app)
    assert job.state == JobState.PENDING and job.run_at - job.created_at == timedelta(seconds=600)
    make_due(app)
    with app.app_context():
        assert jobs_worker.drain() == 1
    assert RAN == [{"n": 1}]


@pytest.mark.parametrize("same_transaction", [True, False])
def test_a_key_dedupes_pending_jobs(app, same_transaction):
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1}, key="thread-7", delay_seconds=60)
        if not same_transaction:
            db.session.commit()
        jobs.enqueue("test-record", {"n": 2}, key="thread-7", delay_seconds=60)
        jobs.enqueue("test-record", {"n": 3}, key="thread-8", delay_seconds=60)
        jobs.enqueue("other-kind", {"n": 4}, key="thread-7", delay_seconds=60)
        jobs.enqueue("test-record", {"n": 5}, delay_seconds=60)
        jobs.enqueue("test-record", {"n": 6}, delay_seconds=60)
        db.session.commit()
    assert sorted(j.payload["n"] for j in rows(app)) == [1, 3, 4, 5, 6]


def test_a_key_does_not_hold_back_work_that_arrives_while_its_job_runs(app):
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1}, key="k")
        db.session.commit()
        claimed = jobs_worker.claim()
        assert claimed is not None
        jobs.enqueue("test-record", {"n": 2}, key="k")
        db.session.commit()
        jobs_worker.run(claimed)
        assert jobs_worker.drain() == 1
    assert RAN == [{"n": 1}, {"n": 2}]


def test_a_failing_job_is_retried_with_backoff_then_kept_as_failed(make_app):
    app = make_app(JOBS_MAX_ATTEMPTS=4, JOBS_BACKOFF_SECONDS=10, JOBS_BACKOFF_MAX_SECONDS=30)
    with app.app_context():
        jobs.enqueue("test-flaky", {"name": "a", "fails": 99, "summary": "always fails"})
        db.session.commit()
    waits = []
    for attempt in range(1, 5):
        with app.app_context():
            assert jobs_worker.run_one() is False
        [job] = rows(app)
        assert job.attempts == attempt and f"flaky failure {attempt}" in job.last_error
        if attempt < 4:
            assert job.state == JobState.PENDING
            waits.append((job.run_at - job.updated_at).total_seconds())
            with app.app_context():
                assert jobs_worker.run_one() is None  # not due before its backoff
            make_due(app)
    assert waits == [10, 20, 30]  # doubling, capped
    assert job.state == JobState.FAILED and job.locked_by is None
    make_due(app)
    with app.app_context():
        assert jobs_worker.drain() == 0  # failed jobs stay until a person retries them
    assert RAN == []


def test_a_flaky_job_succeeds_on_a_later_attempt(app):
    with app.app_context():
        jobs.enqueue("test-flaky", {"name": "b", "fails": 2})
        db.session.commit()
    for _ in range(3):
        make_due(app)
        with app.app_context():
            jobs_worker.run_one()
    assert RAN == [{"name": "b", "fails": 2}] and rows(app) == []


def test_give_up_fails_at_once_and_unknown_kinds_are_retried(app):
    with app.app_context():
        jobs.enqueue("test-give-up", {})
        jobs.enqueue("nobody-handles-this", {})
        db.session.commit()
        jobs_worker.drain()
    given_up, unknown = rows(app)
    assert given_up.state == JobState.FAILED and given_up.attempts == 1 and "refused for good" in given_up.last_error
    assert unknown.state == JobState.PENDING and "no handler" in unknown.last_error


def test_a_lease_that_ran_out_is_claimed_again_and_the_late_worker_deletes_nothing(app):
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1})
        db.session.commit()
        first = jobs_worker.claim("machine-a:1")
        assert first is not None and jobs_worker.claim("machine-b:2") is None  # leased: nobody else takes it
        db.session.execute(text("UPDATE jobs SET locked_until = now() - interval '1 second'"))
        db.session.commit()
        second = jobs_worker.claim("machine-b:2")
        assert second is not None and second.id == first.id and second.attempts == 2
        jobs_worker.finish(first)  # the first worker's late report
    [job] = rows(app)
    assert job.state == JobState.RUNNING and job.locked_by == second.token
    with app.app_context():
        jobs_worker.run(second)
    assert rows(app) == [] and RAN == [{"n": 1}]


def test_a_job_whose_workers_keep_dying_ends_failed(make_app):
    app = make_app(JOBS_MAX_ATTEMPTS=2)
    with app.app_context():
        jobs.enqueue("test-record", {"n": 1})
        db.session.commit()
        for attempt in (1, 2):  # each worker is killed mid-job: its lease runs out
            assert jobs_worker.claim().attempts == attempt
            db.session.execute(text("UPDATE jobs SET locked_until = now() - interval '1 second'"))
            db.session.commit()
        third = jobs_worker.claim()
        assert third.attempts == 3
        assert jobs_worker.run(third) is False
    [job] = rows(app)
    assert job.state == JobState.FAILED and "stopped before" in job.last_error and RAN == []


def test_flask_jobs_lists_pending_and_failed_and_retries_a_failed_one(app, runner):
    with app.app_context():
        jobs.enqueue("test-give-up", {"summary": "mail to ada@example.com: Your reply"})
        db.session.commit()
        jobs_worker.drain()
        jobs.enqueue("test-record", {"n": 1}, delay_seconds=60)
        db.session.commit()
    [failed, pending] = rows(app)
    out = runner.invoke(args=["jobs"]).output
    assert "1 pending, 0 running, 1 failed" in out
    lines = out.splitlines()
    assert lines[1].startswith(f"{failed.id}\tfailed\ttest-give-up\tattempts 1")
    assert "mail to ada@example.com: Your reply" in lines[1] and "refused for good" in lines[2]
    assert lines[3].startswith(f"{pending.id}\tpending\ttest-record")
    result = runner.invoke(args=["jobs", "--retry", str(failed.id)])
    assert result.exit_code == 0 and f"job {failed.id} queued again" in result.output
    again = rows(app)[0]
    assert again.state == JobState.PENDING and again.attempts == 0
    for wrong in (str(pending.id), "999999"):
        result = runner.invoke(args=["jobs", "--retry", wrong])
        assert result.exit_code != 0 and "no failed job" in result.output
    assert runner.invoke(args=["jobs", "--retry", "x"]).exit_code == 2


def test_the_desk_shows_failed_jobs_and_retries_one(app, client):
    from tests.test_moderate_page import PASSWORD, csrf, login

    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
        jobs.enqueue("test-give-up", {"summary": "mail to <b>ada</b>@example.com: Your reply"})
        db.session.commit()
        jobs_worker.drain()
        jobs.enqueue("test-record", {"n": 1}, delay_seconds=60)
        db.session.commit()
    failed, pending = rows(app)
    assert client.get("/moderate/jobs").status_code == 303  # a login first
    login(client)
    page = client.get("/moderate/jobs").get_data(as_text=True)
    assert "1 waiting, 0 running, 1 failed." in page and 'href="/moderate/jobs" aria-current="page"' in page
    assert "mail to &lt;b&gt;ada&lt;/b&gt;@example.com: Your reply" in page and "<b>ada</b>" not in page
    assert "refused for good" in page and page.index(f"#{failed.id}") < page.index(f"#{pending.id}")
    assert page.count('class="btn btn-quiet">Retry</button>') == 1  # failed jobs only
    token = csrf(client, "/moderate/jobs")
    assert client.post(f"/moderate/jobs/{failed.id}/retry").status_code == 400  # no CSRF token
    response = client.post(f"/moderate/jobs/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/moderate/jobs"
    assert rows(app)[0].state == JobState.PENDING
    for wrong in (failed.id, pending.id, 10**12):
        response = client.post(f"/moderate/jobs/{wrong}/retry", data={"csrf_token": token}, follow_redirects=True)
        assert response.status_code == 200 and "is not a failed job" in response.get_data(as_text=True)
    assert client.post("/moderate/jobs/x/retry", data={"csrf_token": token}).status_code == 404
