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
    """One open stream's place in the hub: its scope and its queue of events (None: too slow, start over)."""

    __slots__ = ("scope", "queue")

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.queue: queue.Queue[Event | None] = queue.Queue(QUEUE_MAX)


def frame(event: Event) -> bytes:
    """Return one event as ``text/event-stream`` lines."""
    return f"id: {event.id}\nevent: {event.name}\ndata: {event.data}\n\n".encode()


class Hub:
    """The streams of this process and the one thread that feeds them from the store."""

    def __init__(self, store: Any, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.lock = threading.Lock()
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.position: str | None = None
        self.thread: threading.Thread | None = None
        _HUBS.add(self)

    def close(self) -> None:
        """End every open stream of this hub."""
        with self.lock:
            group = [s for members in self.subscribers.values() for s in members]
        for subscriber in group:
            try:
                subscriber.queue.put_nowait(CLOSE)
            except queue.Full:
                self._overflow(subscriber)

    def open_streams(self) -> int:
        """Count the streams open in this process."""
        with self.lock:
            return sum(len(group) for group in self.subscribers.values())

    def subscribe(self, scope: str) -> Subscriber:
        """Add a stream of ``scope``; from now on it gets every event the hub reads."""
        subscriber = Subscriber(scope)
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                # Where the reader starts is known before the stream asks for its own position: nothing falls between.
                self.position = self.position or self.store.position()
                self.thread = threading.Thread(target=self._run, name="live-events", daemon=True)
                self.thread.start()
            self.subscribers.setdefault(scope, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Remove a stream."""
        with self.lock:
            group = self.subscribers.get(subscriber.scope)
            if group is not None:
                group.discard(subscriber)
                if not group:
                    del self.subscribers[subscriber.scope]

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

    def stream(self, scope: str, last_event_id: str | None) -> Iterator[bytes]:
        """Subscribe now, and return the stream's generator (replay, then live events, keepalives, the end)."""
        subscriber = self.subscribe(scope)
        return self._frames(subscriber, last_event_id)

    def _frames(self, subscriber: Subscriber, last: str | None) -> Iterator[bytes]:
        settings, scope = self.settings, subscriber.scope
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            missed = None if last is None else self.store.since(scope, last)
            if missed is None:
                start = self.store.tail(scope)
                told = "event: reset\ndata: {}\n" if last is not None else ""
                yield f"id: {start}\n{told}\n".encode()
            else:
                start = missed[-1].id if missed else last  # type: ignore[assignment]
                counts = [event for event in missed if event.name == "counts"][-1:]
                for event in missed:
                    if event.name != "counts" or event is counts[0]:
                        yield frame(event)
                if not missed:
                    yield b": replayed nothing\n\n"
            seen = order(start)
            ends = time.monotonic() + settings.lifetime
            held: Event | None = None  # a counts event waiting for its turn
            counts_sent = 0.0
            while True:
                now = time.monotonic()
                if now >= ends:
                    return
                wait = min(settings.keepalive, ends - now)
                if held is not None:
                    wait = min(wait, max(counts_sent + settings.counts_every - now, 0.0))
                try:
                    event = subscriber.queue.get(timeout=wait)
                except queue.Empty:
                    event = None
                    if held is None:
                        yield b": keepalive\n\n"
                        continue
                else:
                    if event is CLOSE:
                        return
                    if event is None:  # dropped for being too slow
                        yield f"id: {self.store.tail(scope)}\nevent: reset\ndata: {{}}\n\n".encode()
                        return
                    if order(event.id) <= seen:
                        continue  # already replayed
                    seen = order(event.id)
                    if event.name == "counts":
                        held = event
                    else:
                        yield frame(event)
                if held is not None and time.monotonic() >= counts_sent + settings.counts_every:
                    yield frame(held)
                    held, counts_sent = None, time.monotonic()
        finally:
            self.unsubscribe(subscriber)
