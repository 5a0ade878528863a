"""One process's open event streams: a single reader of the store fans each event out to the streams that want it.

However many streams are open, a process reads the store once (one blocking
read of the fan-in stream, in one background thread, a greenlet under
gunicorn's gevent workers) and hands each event to the queues of the streams
of its scope. A stream is a generator of ``text/event-stream`` bytes:

- it starts with ``retry:`` and the ``id:`` it stands at, so that even a page
  that has seen no event yet reconnects from there;
- with a ``Last-Event-ID`` it first replays what the page missed, or sends
  ``event: reset`` when that is no longer kept (the page reloads its data);
- ``counts`` events leave at most once per ``counts_every`` seconds (the
  latest wins), every other event at once;
- a comment line (``: keepalive``) after ``keepalive`` seconds of silence;
- it ends after ``lifetime`` seconds, and the browser reconnects from its
  last id (so that a restart or a deploy never holds streams for long).
"""
from __future__ import annotations

import functools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .live_store import Event, order

log = logging.getLogger(__name__)

QUEUE_MAX = 1000
RETRY_MS = 2000
HISTORY_READS = 16  # reads of the store at once when streams (re)connect: a reconnecting crowd queues here
CLOSE = Event("", "", "", "")  # put in a stream's queue: end it now (the worker stops)
_HUBS: weakref.WeakSet[Hub] = weakref.WeakSet()


def close_all() -> None:
    """End every open stream of this process (its browsers reconnect elsewhere from their last id)."""
    for hub in list(_HUBS):
        hub.close()


@dataclass(frozen=True)
class Settings:
    """How streams behave: the silence before a keepalive line, how long one lasts, how often counts go."""

    keepalive: float = 15.0
    lifetime: float = 300.0
    counts_every: float = 1.0


class Subscriber:
    """One open stream's place in the hub: its scopes and its queue of events (None: too slow, start over).

    The first scope is the stream's own; events of a further one (the site's, beside a post's) are named
    with its prefix (``site-comment``), so that one stream serves a whole page.
    """

    __slots__ = ("scopes", "queue")

    def __init__(self, scopes: tuple[str, ...]) -> None:
        self.scopes = scopes
        self.queue: queue.Queue[Event | None] = queue.Queue(QUEUE_MAX)


@functools.lru_cache(maxsize=512)  # an event goes to every stream of its scope: encoded once, not once per stream
def frame(event: Event, own: str) -> bytes:
    """Return one event as ``text/event-stream`` lines (named with its scope's prefix unless of scope ``own``)."""
    name = event.name if event.scope == own else f"{event.scope}-{event.name}"
    return f"id: {event.id}\nevent: {name}\ndata: {event.data}\n\n".encode()


class Hub:
    """The streams of this process and the one thread that feeds them from the store."""

    def __init__(self, store: Any, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.lock = threading.Lock()
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.position: str | None = None
        self.thread: threading.Thread | None = None
        self.gate = threading.BoundedSemaphore(HISTORY_READS)
        _HUBS.add(self)

    def close(self) -> None:
        """End every open stream of this hub."""
        with self.lock:
            group = list({s for members in self.subscribers.values() for s in members})
        for subscriber in group:
            try:
                subscriber.queue.put_nowait(CLOSE)
            except queue.Full:
                self._overflow(subscriber)

    def open_streams(self) -> int:
        """Count the streams open in this process."""
        with self.lock:
            return len({s for members in self.subscribers.values() for s in members})

    def subscribe(self, scopes: tuple[str, ...]) -> Subscriber:
        """Add a stream of ``scopes``; from now on it gets every event of them the hub reads."""
        subscriber = Subscriber(scopes)
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                # Where the reader starts is known before the stream asks for its own position: nothing falls between.
                self.position = self.position or self.store.position()
                self.thread = threading.Thread(target=self._run, name="live-events", daemon=True)
                self.thread.start()
            for scope in scopes:
                self.subscribers.setdefault(scope, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Remove a stream."""
        with self.lock:
            for scope in subscriber.scopes:
                group = self.subscribers.get(scope)
                if group is not None:
                    group.discard(subscriber)
                    if not group:
                        del self.subscribers[scope]

    def _run(self) -> None:
        while True:
            try:
                found = self.store.wait(self.position)
            except Exception:  # the reader must outlive any one failure
                log.exception("live events: reading failed")
                time.sleep(1.0)
                continue
            for event in found:
                self.position = event.id
                with self.lock:
                    group = list(self.subscribers.get(event.scope, ()))
                for subscriber in group:
                    try:
                        subscriber.queue.put_nowait(event)
                    except queue.Full:
                        self._overflow(subscriber)

    def _overflow(self, subscriber: Subscriber) -> None:
        # A stream this far behind starts over: it is told to reset, and its queue is dropped.
        self.unsubscribe(subscriber)
        while True:
            try:
                subscriber.queue.get_nowait()
            except queue.Empty:
                break
        subscriber.queue.put_nowait(None)

    def stream(self, scopes: tuple[str, ...], last_event_id: str | None) -> Iterator[bytes]:
        """Subscribe now, and return the stream's generator (replay, then live events, keepalives, the end)."""
        subscriber = self.subscribe(scopes)
        return self._frames(subscriber, last_event_id)

    def _missed(self, scopes: tuple[str, ...], last: str) -> list[Event] | None:
        found: list[Event] = []
        for scope in scopes:
            with self.gate:
                events = self.store.since(scope, last)
            if events is None:
                return None
            found += events
        found.sort(key=lambda event: order(event.id))
        # Counts are state, not news: only the latest of each scope is replayed.
        latest = {event.scope: event for event in found if event.name == "counts"}
        return [event for event in found if event.name != "counts" or latest[event.scope] is event]

    def _tail(self, scopes: tuple[str, ...]) -> str:
        with self.gate:
            return max((self.store.tail(scope) for scope in scopes), key=order)

    def _frames(self, subscriber: Subscriber, last: str | None) -> Iterator[bytes]:
        settings, scopes, own = self.settings, subscriber.scopes, subscriber.scopes[0]
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            missed = None if last is None else self._missed(scopes, last)
            if last is None:
                # Where the hub's reader stands: every later event reaches this stream (no store read).
                start = self.position or "0-0"
                yield f"id: {start}\n\n".encode()
            elif missed is None:
                start = self._tail(scopes)
                yield f"id: {start}\nevent: reset\ndata: {{}}\n\n".encode()
            else:
                start = missed[-1].id if missed else last  # type: ignore[assignment]
                for event in missed:
                    yield frame(event, own)
                if not missed:
                    yield b": replayed nothing\n\n"
            seen = order(start)
            ends = time.monotonic() + settings.lifetime
            held: dict[str, Event] = {}  # the latest counts event of each scope, waiting for its turn
            counts_sent = 0.0
            while True:
                now = time.monotonic()
                if now >= ends:
                    return
                wait = min(settings.keepalive, ends - now)
                if held:
                    wait = min(wait, max(counts_sent + settings.counts_every - now, 0.0))
                try:
                    event = subscriber.queue.get(timeout=wait)
                except queue.Empty:
                    if not held:
                        yield b": keepalive\n\n"
                        continue
                else:
                    if event is CLOSE:
                        return
                    if event is None:  # dropped for being too slow
                        yield f"id: {self._tail(scopes)}\nevent: reset\ndata: {{}}\n\n".encode()
                        return
                    if order(event.id) <= seen:
                        continue  # already replayed
                    seen = order(event.id)
                    if event.name == "counts":
                        held[event.scope] = event
                    else:
                        yield frame(event, own)
                if held and time.monotonic() >= counts_sent + settings.counts_every:
                    for event in sorted(held.values(), key=lambda e: order(e.id)):
                        yield frame(event, own)
                    held, counts_sent = {}, time.monotonic()
        finally:
            self.unsubscribe(subscriber)
