"""Signing in by a mailed link: asked for with an address, sent by a mail job, opened once, within minutes.

``request_link`` stores the link (the SHA-256 of its random token, the
address, the blog page to return to) and queues its mail in the same
transaction (``mail.queue``): the worker sends it. The link opens a page
whose GET only shows a button (mail scanners open links); its POST uses the
link (``used_at``: a second use is refused) and starts the session, which
the page hands to the blog page. An address gets at most
MAIL_SIGN_IN_PER_HOUR links an hour, counted in the table, so every web
process of a fleet counts the same.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import func, select, update

from . import accounts, mail, mail_links, oidc, reader_sessions
from .account_models import MailSignIn
from .errors import ApiError
from .extensions import db
from .times import aware, utcnow

PROVIDER = "mail"
PATH_KIND = "sign-in"


class LinkRefused(ApiError):
    """A sign-in link that is unknown, used already, or expired."""

    def __init__(self, message: str) -> None:
        super().__init__(410, "link_used_or_expired", message)


def enabled() -> bool:
    """Tell whether links can be mailed (SMTP_URL and PUBLIC_URL set)."""
    return mail.enabled() and bool(mail_links.base_url())


def _return_url(origin: str, page: str | None) -> str:
    # The page to come back to must be on the blog origin that asked: never another site.
    if page:
        parts = urlsplit(page)
        if f"{parts.scheme}://{parts.netloc}" == origin and len(page) <= 2000:
            return page.split("#", 1)[0]
    return origin + "/"


def request_link(email: str, name: str | None, origin: str, page: str | None) -> dict[str, Any]:
    """Queue a sign-in link for ``email``; 429 past the hourly count of the address."""
    if not enabled():
        raise ApiError(404, "mail_sign_in_off", "Signing in by mail is not offered here (no mail configured).")
    origin = oidc.allowed_origin(origin)
    now = utcnow()
    per_hour = current_app.config["MAIL_SIGN_IN_PER_HOUR"]
    recent = db.session.scalar(select(func.count()).select_from(MailSignIn).where(
        MailSignIn.email == email, MailSignIn.created_at > now - timedelta(hours=1)))
    if recent >= per_hour:
        raise ApiError(429, "too_many_links", f"At most {per_hour} sign-in links an hour go to one address; "
                       "use the last one you got, or try again later.", headers={"Retry-After": "3600"})
    token = reader_sessions.new_token("ml_")
    lifetime = current_app.config["MAIL_SIGN_IN_MINUTES"]
    db.session.add(MailSignIn(token_hash=reader_sessions.token_hash(token), email=email,
                              name=accounts.clean_name(name) if name else None, origin=origin,
                              return_url=_return_url(origin, page), created_at=now,
                              expires_at=now + timedelta(minutes=lifetime)))
    link = mail_links.url(PATH_KIND, token)
    text = (f"Open this link and press the button to sign in to the comments on {origin}:\n{link}\n\n"
            f"The link works once, within {lifetime} minutes. If you did not ask for it, ignore this mail.\n")
    html = ("<!doctype html>\n<html><body style=\"font-family: sans-serif; line-height: 1.5\">\n"
            + Markup("<p>Open this link and press the button to sign in to the comments on {}:</p>"
                     "<p><a href=\"{}\">Sign in</a></p>").format(origin, link)
            + f"<p>{escape(f'The link works once, within {lifetime} minutes.')} "
            + "If you did not ask for it, ignore this mail.</p>"
            + "\n</body></html>\n")
    mail.queue(mail.compose(email, "Your sign-in link", text, html))
    db.session.commit()
    return {"sent": True, "expires_in": lifetime * 60}


def _find(token: str, lock: bool) -> MailSignIn:
    if not token.startswith("ml_") or len(token) > 100:
        raise LinkRefused("This sign-in link is not valid.")
    query = select(MailSignIn).where(MailSignIn.token_hash == reader_sessions.token_hash(token))
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise LinkRefused("This sign-in link is not valid.")
    if row.used_at is not None:
        raise LinkRefused("This sign-in link was used already: ask the blog page for a new one.")
    if aware(row.expires_at) <= utcnow():
        raise LinkRefused("This sign-in link has expired: ask the blog page for a new one.")
    return row


def look(token: str) -> MailSignIn:
    """Return the link a page shows (nothing changes); 410 for one used or expired."""
    return _find(token, lock=False)


def use(token: str) -> tuple[Used, dict[str, Any]]:
    """Use the link once: sign in the address's account; return the link and ``{session, reader}``."""
    row = _find(token, lock=True)
    # Used, and committed, before the session exists: of two presses at once only one gets here.
    used = db.session.execute(update(MailSignIn).where(MailSignIn.id == row.id, MailSignIn.used_at.is_(None))
                              .values(used_at=utcnow()))
    email, name, origin, back = row.email, row.name, row.origin, row.return_url
    db.session.commit()
    if not used.rowcount:
        raise LinkRefused("This sign-in link was used already: ask the blog page for a new one.")
    result = accounts.sign_in(PROVIDER, email, name, email, keep_name=True)
    return Used(origin, back), result


class Used(NamedTuple):
    """Where a used link's session goes: the blog origin, and the page to come back to."""

    origin: str
    return_url: str
