"""Access logs without secrets: people type passwords into search boxes, and the query string
of every GET lands in the web server's log line."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

from kb.core.privacy import redact

_QUERY = re.compile(r"\?([^\s\"']*)")
# A one-time invitation link signs its holder up: its token never reaches a log line.
_INVITE = re.compile(r"(/agent/invite/)[A-Za-z0-9_\-]+")
LOGGERS = ("werkzeug", "gunicorn.access")


def redact_query(text: str) -> str:
    """Every query string in ``text`` with its values redacted ("?q=my+password+is+…"), and
    invitation tokens in paths replaced."""
    def one(m: re.Match[str]) -> str:
        pairs = parse_qsl(m.group(1), keep_blank_values=True)
        return "?" + urlencode([(k, redact(v).text) for k, v in pairs])
    return _QUERY.sub(one, _INVITE.sub(r"\1[token]", text))


class RedactQueries(logging.Filter):
    """Rewrites the request line of werkzeug's and gunicorn's access records in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):  # gunicorn's atoms: r is the request line, q the query
            fixed = dict(args)
            if isinstance(fixed.get("r"), str):
                fixed["r"] = redact_query(fixed["r"])
            if isinstance(fixed.get("q"), str) and fixed["q"]:
                fixed["q"] = redact_query("?" + fixed["q"])[1:]
            record.args = fixed
        elif args:
            record.args = tuple(redact_query(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str) and ("?" in record.msg or "/invite/" in record.msg):
            record.msg = redact_query(record.msg)
        return True


def install() -> None:
    """Add the filter once per logger (create_app may run many times in one process)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueries) for f in logger.filters):
            logger.addFilter(RedactQueries())
