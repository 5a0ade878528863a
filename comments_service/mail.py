"""Outgoing mail: the SMTP settings, composing a message (text and HTML), and sending it from a "mail" job.

A message is stored whole in its job and sent by a worker with smtplib:
composed in the transaction of the change that causes it (:func:`queue`), or
by the worker from a small job naming what happened (the moderators' mail,
``jobs.composer``, through :func:`job_payload`). ``SMTP_URL`` unset: no mail, and :func:`queue` adds
no job. Messages are ASCII on the wire (quoted-printable bodies, encoded
headers), so no server extension is needed.
"""
from __future__ import annotations

import functools
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from blinker import Namespace
from flask import Flask, current_app

from . import jobs
from .extensions import db
from .times import utcnow

KIND = "mail"
# What a mail's HTML must not load: remote images, styles and trackers.
REMOTE = re.compile(r"""\b(?:src|background|srcset|poster)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"""
                    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//|<link\b""", re.IGNORECASE)
THREAD_ID = re.compile(r"[^A-Za-z0-9._-]")
# RFC 5322's line limit: a long header without spaces (List-Unsubscribe's <URL>) stays as it is. At the
# usual 78 the email package would turn it into encoded words, which RFC 8058 mail clients do not read.
WIRE = SMTP.clone(max_line_length=998)
# Told, outside any transaction, of addresses a server refused for good (5xx): ``bounced.send(None, addresses=[...])``.
bounced = Namespace().signal("mail-bounced")


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the system's CA certificates takes a while: once per process, and only when TLS is used.
    return ssl.create_default_context()


@dataclass(frozen=True)
class Smtp:
    """Where mail goes: ``smtp://[user:pass@]host:port[?starttls=true]`` or ``smtps://`` (implicit TLS)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> Smtp:
        """Read an SMTP_URL; raise ValueError on one that is not one."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://[user:pass@]host:port or smtps://...")
        query = {name: values[-1].lower() for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"starttls"}
        if unknown or query.get("starttls", "false") not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"SMTP_URL takes only ?starttls=true, not {parts.query!r}")
        implicit = parts.scheme == "smtps"
        starttls = query.get("starttls", "false") in ("true", "1", "yes")
        if implicit and starttls:
            raise ValueError("SMTP_URL: smtps:// is already TLS; starttls=true is for smtp://")
        port = parts.port or (465 if implicit else 587 if starttls else 25)
        return cls(parts.hostname, port, implicit, starttls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def connect(self, timeout: float) -> smtplib.SMTP:
        """Open an SMTP connection, with TLS and login as configured."""
        if self.implicit_tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=_tls())
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=timeout)
            if self.starttls:
                connection.starttls(context=_tls())
        if self.username:
            connection.login(self.username, self.password or "")
        return connection


def enabled() -> bool:
    """Tell whether mail is configured (SMTP_URL)."""
    return bool(current_app.config.get("SMTP_URL"))


def _domain() -> str:
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    return address.rpartition("@")[2] or "localhost"


def thread_id(thread: str) -> str:
    """Return the Message-ID every mail of one conversation refers to, from a stable name of it."""
    return f"<thread.{THREAD_ID.sub('-', thread)[:120]}@{_domain()}>"


def compose(to: str | list[str], subject: str, text: str, html: str, *, headers: dict[str, str] | None = None,
            thread: str | None = None) -> EmailMessage:
    """Build a text-and-HTML message from MAIL_FROM, marked automatic; ``thread`` groups a conversation's mails.

    The HTML must load nothing remote (no images, styles or trackers from
    elsewhere): ValueError otherwise.
    """
    if REMOTE.search(html):
        raise ValueError("a mail's HTML must not load remote images, styles or anything else")
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = " ".join(subject.split())  # a title's line break must not end the header
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=_domain())
    message["Auto-Submitted"] = "auto-generated"
    # Asks Exchange and others not to answer with out-of-office replies.
    message["X-Auto-Response-Suppress"] = "All"
    if thread:
        message["In-Reply-To"] = thread_id(thread)
        message["References"] = thread_id(thread)
    for name, value in (headers or {}).items():
        del message[name]
        message[name] = value
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def queue(message: EmailMessage, *, key: str | None = None, delay_seconds: float = 0) -> bool:
    """Add a job that sends ``message`` to the current transaction; False (nothing queued) when mail is off."""
    if not enabled():
        return False
    jobs.enqueue(KIND, job_payload(message), key=key, delay_seconds=delay_seconds)
    return True


def job_payload(message: EmailMessage) -> dict[str, Any]:
    """Return what a job that sends ``message`` keeps: the envelope, the message as sent, a summary."""
    recipients = [addr for _, addr in getaddresses(
        [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]) if addr]
    if not recipients:
        raise ValueError("a mail needs at least one recipient")
    del message["Bcc"]
    sender = parseaddr(str(message["From"]))[1]
    subject = str(message["Subject"])
    return {"from": sender, "to": recipients, "message": message.as_string(policy=WIRE),
            "summary": f"mail to {', '.join(recipients)[:80]}: {subject[:80]}"}


def _permanent(code: int) -> bool:
    return 500 <= code < 600


@jobs.handler(KIND)
def send(payload: dict[str, Any]) -> None:
    """Send a queued message; a permanent refusal (5xx) of an address marks it bounced, a temporary one (4xx) retries.

    Refused at RCPT for good: those addresses are told to :data:`bounced`;
    the others got the mail, or get a job of their own if their refusal was
    temporary. A 5xx answer to the message itself (DATA) bounces the address
    of a one-recipient mail. A mail nobody will take fails at once.
    """
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise RuntimeError("SMTP_URL is not set on the worker; the mail waits")
    with Smtp.parse(url).connect(current_app.config["SMTP_TIMEOUT_SECONDS"]) as connection:
        try:
            refused, delivered = connection.sendmail(payload["from"], payload["to"], payload["message"]), True
        except smtplib.SMTPRecipientsRefused as error:
            refused, delivered = error.recipients, False
        except smtplib.SMTPDataError as error:
            if not _permanent(error.smtp_code):
                raise
            if len(payload["to"]) == 1:
                _bounce(payload["to"])
            raise jobs.GiveUp(f"message refused for good: {error.smtp_code} {_text(error.smtp_error)}") from None
    for_good = [address for address, (code, _) in refused.items() if _permanent(code)]
    for_now = [address for address in refused if address not in for_good]
    if not delivered and not for_good:
        raise RuntimeError(f"every recipient refused for now: {_said(refused)}")
    _bounce(for_good)
    if for_now:  # the others have the mail, or never will: these wait, in a job of their own
        jobs.enqueue(KIND, {**payload, "to": for_now, "summary": f"mail to {', '.join(for_now)[:80]} (again)"},
                     delay_seconds=current_app.config["JOBS_BACKOFF_SECONDS"])
        db.session.commit()
    if not delivered:
        raise jobs.GiveUp(f"every recipient refused, for good: {_said(refused)}")


def _text(said: bytes | str) -> str:
    return said.decode(errors="replace") if isinstance(said, bytes) else said


def _said(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {code} {_text(text)}" for address, (code, text) in refused.items())


def _bounce(addresses: list[str]) -> None:
    if addresses:
        bounced.send(None, addresses=addresses)


def init_app(app: Flask) -> None:
    """Check the mail settings at start-up: a wrong SMTP_URL or a missing MAIL_FROM stops the service."""
    url = app.config.get("SMTP_URL")
    if not url:
        return
    try:
        Smtp.parse(url)
    except ValueError as error:
        raise RuntimeError(str(error)) from None
    sender = app.config.get("MAIL_FROM") or ""
    name, address = parseaddr(sender)
    if "@" not in address:
        raise RuntimeError("MAIL_FROM must be an address (comments@blog.example) when SMTP_URL is set")
    Address(display_name=name, addr_spec=address)  # raises on a malformed address
