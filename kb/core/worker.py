"""The job queue that sends the outbox: huey, kept in SQLite under instance/ by default (no
other server to run) or in Redis when REDIS_URL (``KB_REDIS_URL``) is set, so several web
nodes share one queue. ``flask kb worker`` runs the consumer; ``make run`` starts it too.

Each app gets its own huey instance whose tasks run inside that app's context. Retries and
back-off are huey's; what was sent is decided by the outbox row, never by the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool

from kb.core import mail

log = logging.getLogger(__name__)

FAN_OUT_CHUNK = 200  # ids per fan-out task: a bulk send costs the request one write per chunk


@dataclass
class Queue:
    huey: Huey
    deliver: Any  # huey TaskWrapper: calling it enqueues
    fan_out: Any
    sweep: Any


def init_queue(app: Flask) -> Queue:
    """Build this app's huey instance and register the outbox tasks on it."""
    cfg = app.config
    name = str(cfg["QUEUE_NAME"])
    common: dict[str, Any] = {"results": False, "immediate": bool(cfg["QUEUE_IMMEDIATE"])}
    huey: Huey
    if cfg.get("REDIS_URL"):
        # Short timeouts: an unreachable Redis must cost a request ~1 s at most, never hang it.
        pool = ConnectionPool.from_url(str(cfg["REDIS_URL"]), socket_connect_timeout=1,
                                       socket_timeout=5)  # > huey's 1 s blocking read
        huey = RedisHuey(name, connection_pool=pool, **common)
    else:
        path = Path(cfg["QUEUE_FILE"])
        if not path.is_absolute():
            path = Path(app.instance_path) / path
        huey = SqliteHuey(name, filename=str(path), **common)

    def in_app(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return fn(*args, **kwargs)
        run.__name__ = fn.__name__
        return run

    @huey.task(retries=int(cfg["MAIL_RETRIES"]), retry_delay=float(cfg["MAIL_RETRY_DELAY"]),
               retry_backoff=float(cfg["MAIL_RETRY_BACKOFF"]), context=True,
               name="kb.deliver")
    @in_app
    def deliver(outbox_id: int, task: Any = None) -> str:
        last_try = task is None or task.retries == 0
        return mail.deliver(outbox_id, last_try=last_try,
                            retry_in=float(task.retry_delay if task else 0))

    @huey.task(name="kb.fan_out")
    def fan_out(ids: list[int]) -> None:
        for outbox_id in ids:
            deliver(outbox_id)

    @huey.periodic_task(crontab(minute="*"), name="kb.sweep")
    @in_app
    def sweep() -> int:
        return mail.sweep()

    queue = Queue(huey=huey, deliver=deliver, fan_out=fan_out, sweep=sweep)
    app.extensions["kb_queue"] = queue
    return queue


def get_queue() -> Queue:
    queue: Queue = current_app.extensions["kb_queue"]
    return queue


def enqueue(ids: list[int]) -> None:
    """Hand committed outbox rows to the workers. Never raises: if the queue cannot be
    reached the rows stay queued in the database and the sweeper enqueues them later."""
    try:
        queue = get_queue()
        if len(ids) == 1:
            queue.deliver(ids[0])
            return
        for start in range(0, len(ids), FAN_OUT_CHUNK):
            queue.fan_out(ids[start:start + FAN_OUT_CHUNK])
    except Exception:
        log.exception("could not enqueue emails %s; the sweeper will retry", ids[:10])


class _OneLineRetries(logging.Filter):
    """huey logs a traceback for every failed try; a mail server that is down for an hour
    would bury the log. DeliveryFailed is expected and already logged in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], mail.DeliveryFailed):
            record.exc_info = None
            record.exc_text = None
        return True


def consumer(app: Flask, workers: int = 2, max_delay: float = 2.0) -> Any:
    """A huey consumer for this app (threads: sending mail waits on the network, not CPU)."""
    huey_log = logging.getLogger("huey")
    if not any(isinstance(f, _OneLineRetries) for f in huey_log.filters):
        huey_log.addFilter(_OneLineRetries())
    queue: Queue = app.extensions["kb_queue"]
    return queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                      max_delay=max_delay)
