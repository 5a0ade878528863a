"""``flask --app wsgi import disqus|wordpress|isso|json FILE`` and ``flask --app wsgi export FILE``."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from . import disqus, isso, jsonfile, wordpress
from .load import load
from .records import Report, Source, TransferError

SHOWN_SKIPS = 50
LABELS = {"disqus": "Disqus", "wordpress": "WordPress", "isso": "Isso", "json": "an export"}

import_group = AppGroup("import", help="Bring comments in from Disqus, WordPress, Isso or an export of this service.")


def _bar(items: Sequence[Any], label: str) -> Any:
    # Progress goes to stderr so that the summary on stdout stays clean for scripts.
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True)


def _read(path: str, reader: Callable[..., Source], **options: Any) -> Source:
    with click.progressbar(length=max(os.path.getsize(path), 1), label=f"Reading {os.path.basename(path)}",
                           file=sys.stderr) as bar:
        return reader(path, on_bytes=bar.update, **options)


def _run(kind: str, path: str, dry_run: bool, strict: bool, verbose: bool, **options: Any) -> None:
    readers: dict[str, Callable[..., Source]] = {
        "disqus": disqus.read, "wordpress": wordpress.read, "isso": isso.read, "json": jsonfile.read,
    }
    try:
        source = _read(path, readers[kind], **options)
        report = load(source, os.path.basename(path), progress=_bar, dry_run=dry_run, strict=strict)
    except TransferError as error:
        raise click.ClickException(f"{error}\nNothing was imported.") from None
    _summary(report, LABELS[kind], path, verbose)
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _summary(report: Report, label: str, path: str, verbose: bool) -> None:
    by_status = ", ".join(f"{status} {count}" for status, count in sorted(report.comments.items()))
    click.echo(f"Imported from {label} ({os.path.basename(path)}):")
    click.echo(f"  posts: {report.posts_created} new, {report.posts_existing} already here")
    click.echo(
        f"  comments: {report.comments_created} new ({by_status or 'none'}), "
        f"{report.already_imported} already imported"
    )
    if report.revisions or report.reports:
        click.echo(f"  earlier texts of comments: {report.revisions} new, readers' reports: {report.reports} new")
    if report.events:
        click.echo(f"  moderation log entries: {report.events} new")
    click.echo(f"  skipped: {len(report.skipped)}")
    shown = report.skipped if verbose else report.skipped[:SHOWN_SKIPS]
    for skip in shown:
        click.echo(f"    - {skip}")
    if len(shown) < len(report.skipped):
        click.echo(f"    ... and {len(report.skipped) - len(shown)} more (--verbose lists them all)")
    for note in report.notes:
        click.echo(f"  note: {note}")


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False)),
        click.option("--dry-run", is_flag=True, help="Read and check everything, write nothing."),
        click.option("--strict", is_flag=True, help="Import nothing if any item would be skipped."),
        click.option("--verbose", is_flag=True, help="List every skipped item."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _slug_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--slug", "slug_from", type=click.Choice(["last", "path"]), default="last", show_default=True,
        help="Post slug from the URL's last path segment, or from the whole path joined with '-'.",
    )(command)


@import_group.command("disqus")
@_common
@_slug_option
def import_disqus(file: str, dry_run: bool, strict: bool, verbose: bool, slug_from: str) -> None:
    """Import a Disqus XML export."""
    _run("disqus", file, dry_run, strict, verbose, whole_path=slug_from == "path")


@import_group.command("wordpress")
@_common
@_slug_option
def import_wordpress(file: str, dry_run: bool, strict: bool, verbose: bool, slug_from: str) -> None:
    """Import a WordPress WXR export (posts' slugs are their post_name)."""
    _run("wordpress", file, dry_run, strict, verbose, whole_path=slug_from == "path")


@import_group.command("isso")
@_common
@_slug_option
@click.option("--base-url", default=None, help="The blog's address, to turn Isso's page paths into post URLs.")
def import_isso(file: str, dry_run: bool, strict: bool, verbose: bool, slug_from: str, base_url: str | None) -> None:
    """Import an Isso SQLite database (opened read-only)."""
    _run("isso", file, dry_run, strict, verbose, whole_path=slug_from == "path", base_url=base_url)


@import_group.command("json")
@_common
def import_json(file: str, dry_run: bool, strict: bool, verbose: bool) -> None:
    """Import an export of this service (export FILE.json)."""
    _run("json", file, dry_run, strict, verbose)


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(file: str) -> None:
    """Export posts, tags, comments (pins, earlier texts, readers' reports) and the moderation log as JSON."""
    partial = f"{file}.partial"
    # Written aside and renamed, so an interrupted export never leaves a truncated FILE.
    with click.progressbar(length=max(jsonfile.comment_total(), 1), label="Exporting comments",
                           file=sys.stderr) as bar, open(partial, "w", encoding="utf-8") as stream:
        counts = jsonfile.export(stream, on_comment=bar.update)
    os.replace(partial, file)
    click.echo(
        f"Exported {counts['posts']} posts, {counts['tags']} tags, {counts['comments']} comments "
        f"({counts['revisions']} earlier texts, {counts['reports']} readers' reports), "
        f"{counts['events']} moderation log entries and {counts['mail_addresses']} mail addresses to {file}"
    )

