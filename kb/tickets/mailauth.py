"""Did the sender's address pass our own mail server's checks? A From header is easy to forge,
so with ``INBOUND_AUTHSERV_ID`` set, a reply is added to a ticket only when the
``Authentication-Results`` header (RFC 8601) written by *our* mail server (named by that id)
says DMARC passed, or SPF or DKIM passed for the From address's own domain. Headers naming
another server are ignored: anyone can write one before sending.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)((?:\s+[a-z.]+\s*=\s*[^\s;]+)*)", re.I)
_PROPERTY = re.compile(r"([a-z.]+)\s*=\s*([^\s;]+)", re.I)


def ours(message: EmailMessage, authserv_id: str) -> str | None:
    """The topmost Authentication-Results header our server wrote (its id before the first
    ';'), without the id; None when there is none."""
    for value in message.get_all("Authentication-Results") or []:
        head, _, rest = str(value).partition(";")
        words = head.split()
        if words and words[0].lower() == authserv_id.lower():
            return re.sub(r"\([^()]*\)", " ", rest)  # comments say nothing binding
    return None


def authenticated(message: EmailMessage, authserv_id: str, sender: str) -> bool:
    """True when our server vouches for the From address ``sender`` (lower case)."""
    results = ours(message, authserv_id)
    if results is None:
        return False
    domain = sender.rpartition("@")[2]
    for method, result, props in _RESULT.findall(results):
        if result.lower() != "pass":
            continue
        if method.lower() == "dmarc":
            return True
        values = {k.lower(): v.lower().strip("<>\"") for k, v in _PROPERTY.findall(props)}
        checked = values.get("header.d") if method.lower() == "dkim" else (
            values.get("smtp.mailfrom", "").rpartition("@")[2])
        if checked == domain:
            return True
    return False
