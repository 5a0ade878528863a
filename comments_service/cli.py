"""Flask commands: ``flask --app wsgi tokens ...`` and friends (``db`` comes from Flask-Migrate)."""
from __future__ import annotations

import logging
import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from . import authors, integrity, moderation, subscriptions, users
from .auth import create_api_token
from .credentials import ApiToken
from .demo import load_demo
from .errors import ApiError
from .extensions import db
from .jobs_cli import jobs_command, worker_command
from .models import Role
from .times import utcnow
from .transfer.cli import export_command, import_group
from .widgets import refill_caches

log = logging.getLogger(__name__)

tokens = AppGroup("tokens", help="API tokens for the publishing system and moderators.")


def _fail(error: ApiError) -> click.ClickException:
    details = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in (error.fields or {}).items())
    return click.ClickException(f"{error.message} {details}".strip())


@tokens.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True, help="Who or what uses the token.")
def create_token(role: str, name: str) -> None:
    """Create an API token and print it alone on the last line."""
    try:
        token = create_api_token(name, Role(role))
    except ApiError as error:
        raise _fail(error) from None
    click.echo(f"Created a {role} token named {name.strip()!r}; it is shown only once:")
    click.echo(token)


@tokens.command("list")
def list_tokens() -> None:
    """List tokens (never their values)."""
    for row in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "revoked" if row.revoked_at else "active"
        click.echo(f"{row.id}\t{row.role.value}\t{state}\t{row.name}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke a token by its id."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no token with id {token_id}")
    row.revoked_at = utcnow()
    db.session.commit()
    click.echo(f"revoked token {token_id} ({row.name})")


demo = AppGroup("demo", help="Demo data for trying the service.")


@demo.command("load")
@click.option("--base-url", default="", help="Where the service is served, for the posts' links.")
def demo_load(base_url: str) -> None:
    """Load the seed page's post and a few others, with comments and tags."""
    summary = load_demo(base_url.rstrip("/"))
    click.echo(f"demo data: {summary['posts']} new posts, {summary['comments']} new comments")


@click.command("check")
@with_appcontext
@click.option("--repair", is_flag=True, help="Set every drifting counter to its true value.")
def check_counters(repair: bool) -> None:
    """Recompute comment, like and tag counters from the rows and report drift (exit 1 if any)."""
    drift = integrity.check(repair=repair)
    for item in drift:
        click.echo(f"drift {item.kind} {item.key}: stored {item.stored}, actual {item.actual}")
    if not drift:
        click.echo("no drift: every counter matches its rows")
    elif repair:
        click.echo(f"repaired {len(drift)} counters")
    else:
        raise SystemExit(1)


user_group = AppGroup("users", help="Logins for the moderation page (/moderate).")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([Role.MODERATOR.value, Role.ADMIN.value]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_user(username: str, role: str, password_stdin: bool) -> None:
    """Create a login; the password is prompted (twice) or read from stdin."""
    try:
        users.create_user(username, _read_password(password_stdin), Role(role))
    except ApiError as error:
        raise _fail(error) from None
    click.echo(f"Created {role} {username!r}; log in at /moderate")


@user_group.command("list")
def list_users() -> None:
    """List logins (never their passwords)."""
    for user in users.list_users():
        click.echo(f"{user.id}\t{user.role.value}\t{user.username}")


@user_group.command("remove")
@click.argument("username")
def remove_user(username: str) -> None:
    """Remove a login; its desk sessions end at once, on every process."""
    try:
        ended = users.remove_user(username)
    except ApiError as error:
        raise _fail(error) from None
    click.echo(f"removed {username!r}; {_sessions(ended)} ended")


@user_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def set_password(username: str, password_stdin: bool) -> None:
    """Change a login's password; its desk sessions end at once, on every process."""
    try:
        ended = users.set_password(username, _read_password(password_stdin))
    except ApiError as error:
        raise _fail(error) from None
    click.echo(f"changed the password of {username!r}; {_sessions(ended)} ended")


def _sessions(count: int) -> str:
    return f"{count} desk session{'s' if count != 1 else ''}"


@click.command("purge")
@click.option(
    "--spam-older-than", "days", type=click.IntRange(min=0), required=True, metavar="DAYS",
    help="Remove spam and rejected comments posted more than DAYS days ago.",
)
@with_appcontext
def purge(days: int) -> None:
    """Remove old spam and rejected comments (each removal is kept in the audit log)."""
    count = moderation.purge(days, "cli:purge")
    log.info("purged %d spam and rejected comments older than %d days", count, days)
    click.echo(f"purged {count} spam and rejected comments older than {days} days")


cache = AppGroup("cache", help="The Redis cache of widgets, posts, threads and counts.")


@cache.command("rebuild")
def cache_rebuild() -> None:
    """Drop every cached value and fill the caches again from the database."""
    posts = refill_caches()
    if posts is None:
        raise click.ClickException(
            "Redis is not configured (REDIS_URL or REDIS_SENTINELS) or not reachable; nothing was cached."
        )
    click.echo(f"cache rebuilt: widgets and {posts} posts")


notifications = AppGroup("notifications", help="Reply notifications by mail.")


@notifications.command("bounced")
@click.argument("emails", nargs=-1, required=True)
def notifications_bounced(emails: tuple[str, ...]) -> None:
    """Record that addresses do not take mail (from a bounce report): they get nothing more."""
    unknown = [e for e in emails if not subscriptions.mark_bounced(authors.normalize(e))]
    for email in emails:
        if email not in unknown:
            click.echo(f"{authors.normalize(email)}: no more mail")
    if unknown:
        raise click.ClickException(f"not a subscribed address: {', '.join(unknown)}")


def register_commands(app: Flask) -> None:
    """Add the service's command groups to ``flask``."""
    app.cli.add_command(tokens)
    app.cli.add_command(demo)
    app.cli.add_command(check_counters)
    app.cli.add_command(user_group)
    app.cli.add_command(purge)
    app.cli.add_command(import_group)
    app.cli.add_command(export_command)
    app.cli.add_command(cache)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_command)
    app.cli.add_command(notifications)
