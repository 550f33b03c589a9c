"""Reply addresses: ``help+t-<ticket id>-<signature>@example.org`` from INBOUND_ADDRESS.

The token names the ticket and is signed with the app's secret under a salt of its own, so
it cannot be made up or altered, and it is not the status link's token: someone who sees a
reply address can send mail to the ticket (held unless it comes from the requester's own
address) but can never open the ticket. The id in it is the number in every subject line.

The signature is HMAC-SHA1 (itsdangerous' signer and key derivation) written in lower-case
base32, because mail systems may change the letter case of an address's local part.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from flask import current_app
from itsdangerous import Signer

SALT = "kb.tickets.reply-address"
TAG = "t-"  # help+t-…: the part after "+" that marks a reply token


@dataclass(frozen=True)
class Found:
    """A reply token seen in a recipient address: the ticket it names, or None if forged."""

    ticket_id: int | None
    address: str


def inbound_address() -> tuple[str, str, str] | None:
    """(display name, local part, domain) of INBOUND_ADDRESS, or None when it is unset."""
    name, address = parseaddr(str(current_app.config.get("INBOUND_ADDRESS") or ""))
    local, _, domain = address.rpartition("@")
    if not local or not domain:
        return None
    return name, local.split("+", 1)[0], domain.lower()


def inbound_domain() -> str | None:
    parts = inbound_address()
    return parts[2] if parts else None


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=SALT)


def _signature(ticket_id: int) -> str:
    signer = _signer()
    mac = signer.algorithm.get_signature(signer.derive_key(), str(ticket_id).encode())
    return base64.b32encode(mac).decode().rstrip("=").lower()


def reply_token(ticket_id: int) -> str:
    return f"{ticket_id}-{_signature(ticket_id)}"


def read_token(token: str) -> int | None:
    """The ticket id the token names, or None when it was not signed by us."""
    number, _, signature = token.lower().partition("-")
    if not number.isdigit() or len(number) > 12 or not signature:
        return None
    ticket_id = int(number)
    if not hmac.compare_digest(signature, _signature(ticket_id)):
        return None
    return ticket_id


def reply_address(ticket_id: int) -> str | None:
    """The Reply-To of an email about this ticket; None when INBOUND_ADDRESS is unset."""
    parts = inbound_address()
    if parts is None:
        return None
    name, local, domain = parts
    sender_name = parseaddr(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))[0]
    return formataddr((name or sender_name, f"{local}+{TAG}{reply_token(ticket_id)}@{domain}"))


_TOKEN_LOCAL = re.compile(r"^[^+@\s]+\+t-(?P<token>[0-9A-Za-z-]{1,80})$", re.IGNORECASE)


def token_in(addresses: Iterable[str]) -> Found | None:
    """The first reply token among these addresses (our domain only), checked."""
    parts = inbound_address()
    if parts is None:
        return None
    _name, local, domain = parts
    for raw in addresses:
        address = parseaddr(raw)[1] or raw
        at_local, _, at_domain = address.strip().rpartition("@")
        if at_domain.lower() != domain:
            continue
        match = _TOKEN_LOCAL.match(at_local)
        if match is None or at_local.split("+", 1)[0].lower() != local.lower():
            continue
        return Found(ticket_id=read_token(match.group("token")), address=address.lower())
    return None
