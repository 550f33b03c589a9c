"""Helpers for the outbox tests: a real huey consumer in threads, SMTP servers that are slow
or down on purpose, and waiting for the worker without asserting on time."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from kb.core.worker import consumer
from kb.extensions import db
from kb.models import OutboxEmail


def port_in_range(first: int = 5200, last: int = 5299, taken: set[int] | None = None) -> int:
    """A free port from the range these test servers may use (and not in ``taken``)."""
    for port in range(first, last + 1):
        if taken and port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


class GatedInbox:
    """An SMTP handler that holds every message until ``release()``: a mail server that
    answers as slowly as we like, without the test depending on how slow."""

    def __init__(self, open_gate: bool = True) -> None:
        self.messages: list[Message] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()

    def release(self) -> None:
        self.gate.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.entered.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.02)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_on(port: int, handler: Any) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        if isinstance(handler, GatedInbox):
            handler.release()
        controller.stop()


@contextmanager
def running_worker(app: Flask, workers: int = 2) -> Iterator[Any]:
    """The app's huey consumer (scheduler and worker threads), stopped gracefully after."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker = consumer(app, workers=workers, max_delay=0.1)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(graceful=True)
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def wait_until(check: Callable[[], bool], what: str, limit: float = 90) -> None:
    """Poll until ``check()`` holds. The limit only stops a broken test hanging: the test
    is about whether it happens, not how fast."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def outbox(app: Flask) -> list[OutboxEmail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return rows


def states(app: Flask) -> list[str]:
    return [row.state for row in outbox(app)]


def run_queued_tasks(app: Flask) -> int:
    """Execute whatever is in the app's huey queue, as one worker would; how many ran."""
    huey = app.extensions["kb_queue"].huey
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran
