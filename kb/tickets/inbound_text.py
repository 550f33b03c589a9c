"""The words of an emailed reply: the newest part only, without the quoted history ("On …
wrote:", "From: … Sent: …", ``>`` lines) or the signature, found by mail-parser-reply (which
knows the quote headers of Gmail, Outlook, Apple Mail and others in several languages).

Plain text is preferred; a message with only HTML is turned into text first, leaving out
what mail programs mark as quoted (``blockquote``, Gmail's ``gmail_quote``, Outlook's reply
header and all after it, Thunderbird's citation line).
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage as ParsedReply

LANGUAGES = ["en", "de", "fr", "es", "it"]  # quote headers of the mail programs people use
MAX_CHARS = 10_000  # a comment longer than this is cut (the form takes 5,000)
CUT_NOTE = "\n\n[The rest of this email was cut: it was too long.]"
STATUS_LINK_MARK = "[status link removed]"
_QUOTED = re.compile(r"^\s*>")
_BLANKS = re.compile(r"\n{3,}")
# A quote header the parser missed (wrapped over up to four lines, with the sender's
# address in it): everything from it on goes.
_WROTE = re.compile(r"^(?:On|Am|Le|El|Il)\s[^\n]{0,200}(?:\n[^\n]{0,200}){0,3}?"
                    r"(?:wrote|schrieb|a écrit|escribió|ha scritto)\s*:[ \t]*$",
                    re.IGNORECASE | re.MULTILINE)


def body_text(message: EmailMessage) -> str:
    """The message's own text: its text/plain body, else its HTML body as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset or transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    if str(part.get_param("format", "")).lower() == "flowed":
        content = unflow(content, str(part.get_param("delsp", "")).lower() == "yes")
    return content


def unflow(text: str, delsp: bool = False) -> str:
    """format=flowed (RFC 3676, Apple Mail and Thunderbird): a line ending in a space goes on
    in the next line. The signature line "-- " and quoted lines stay as they are."""
    out: list[str] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if joining and out and not _QUOTED.match(line):
            out[-1] += line
        else:
            out.append(line)
        joining = line.endswith(" ") and line != "-- " and not _QUOTED.match(line)
        if joining and delsp:
            out[-1] = out[-1][:-1]
    return "\n".join(out)


class _Text(HTMLParser):
    """HTML to plain text, skipping quoted parts; tags are dropped, never interpreted."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol", "hr"}
    SKIP = {"blockquote", "style", "script", "head", "title"}
    QUOTE_CLASSES = {"gmail_quote", "gmail_signature", "moz-cite-prefix", "moz-signature",
                     "yahoo_quoted", "protonmail_quote"}
    STOP_IDS = {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open tags whose content is left out
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        values = dict(attrs)
        classes = set((values.get("class") or "").lower().split())
        if (values.get("id") or "").lower() in self.STOP_IDS:
            self.stopped = True  # Outlook: its reply header, then the whole old message
            return
        if self.skipping or tag in self.SKIP or classes & self.QUOTE_CLASSES:
            if tag not in {"br", "img", "hr", "meta", "input", "wbr"}:
                self.skipping.append(tag)
            return
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if self.skipping[-1] == tag:
                self.skipping.pop()
            return
        if not self.stopped and tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.stopped:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def latest_reply(text: str) -> str:
    """The newest part of an emailed reply, without quoted history or signature.

    Lists starting with "-" are kept (people list what they tried); mail-parser-reply would
    otherwise read them as a signature.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    parsed = ParsedReply(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    reply = parsed.replies[0].body if parsed.replies else text
    header = _WROTE.search(reply)
    if header is not None and "@" in header.group(0):
        reply = reply[:header.start()]
    kept = [line.rstrip() for line in reply.split("\n") if not _QUOTED.match(line)]
    return _BLANKS.sub("\n\n", "\n".join(kept)).strip()


def scrub_status_links(text: str, base_url: str) -> str:
    """A quoted email of ours carries the private status link: it is never kept from mail."""
    base = re.escape(base_url.rstrip("/"))
    return re.sub(rf"(?:{base})?/status/[A-Za-z0-9_\-]{{16,}}\S*", STATUS_LINK_MARK, text)


def cut(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + CUT_NOTE

