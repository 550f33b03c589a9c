"""The pieces of replies by email on their own: cutting quotes and signatures from the
replies real mail programs write, HTML to text, and the signed reply token."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from kb import create_app
from kb.tickets.inbound import Unreadable, is_auto_reply, parse
from kb.tickets.inbound_text import html_to_text, latest_reply, scrub_status_links, unflow
from kb.tickets.replyaddr import read_token, reply_address, reply_token, token_in

OURS = "Hello Sam,\n\nPlease restart the printer.\n\nSee your request:\nhttp://x/status/abc"

GMAIL = f"""The light is orange now.

On Tue, 2 Dec 2026 at 09:14, Help desk <help+t-7-abcd@example.org> wrote:

> {OURS.replace(chr(10), chr(10) + '> ')}
"""
GMAIL_WRAPPED = f"""The light is orange now.

On Tue, 2 Dec 2026 at 09:14, Help desk <
help+t-7-abcdefghijklmnopqrstuvwxyzabcdef@example.org> wrote:

> {OURS.replace(chr(10), chr(10) + '> ')}
"""
OUTLOOK = f"""The light is orange now.

Kind regards,
Sam Jones
Finance team

________________________________
From: Help desk <helpdesk@example.org>
Sent: Tuesday, December 2, 2026 9:14 AM
To: Sam Jones <sam@example.org>
Subject: A reply about your request (HD-000007)

{OURS}
"""
OUTLOOK_OLD = f"""The light is orange now.

-----Original Message-----
From: Help desk [mailto:helpdesk@example.org]
Sent: 02 December 2026 09:14
To: Sam Jones
Subject: A reply about your request (HD-000007)

{OURS}
"""
APPLE = f"""The light is orange now.

Sent from my iPhone

> On 2 Dec 2026, at 09:14, Help desk <helpdesk@example.org> wrote:
>
> {OURS.replace(chr(10), chr(10) + '> ')}
"""
SIGNATURE = "The light is orange now.\n\n-- \nSam Jones\nFinance team, 2nd floor\n"
GERMAN = f"""The light is orange now.

Am 02.12.2026 um 09:14 schrieb Help desk <helpdesk@example.org>:
> {OURS}
"""
BOTTOM_POSTED = f"""On Tue, 2 Dec 2026 at 09:14, Help desk <helpdesk@example.org> wrote:
> {OURS.replace(chr(10), chr(10) + '> ')}

The light is orange now.
"""


@pytest.mark.parametrize("text", [GMAIL, GMAIL_WRAPPED, OUTLOOK, OUTLOOK_OLD, APPLE, SIGNATURE,
                                  GERMAN, BOTTOM_POSTED],
                         ids=["gmail", "gmail-wrapped", "outlook", "outlook-old", "apple",
                              "signature", "german", "bottom-posted"])
def test_only_the_new_words_are_left(text: str) -> None:
    assert latest_reply(text) == "The light is orange now."


def test_a_list_of_what_was_tried_is_not_taken_for_a_signature() -> None:
    text = "I tried:\n- another cable\n- another socket\n\n" + GMAIL.split("\n\n", 1)[1]
    assert latest_reply(text) == "I tried:\n- another cable\n- another socket"


def test_crlf_and_empty_text() -> None:
    assert latest_reply("Fine now.\r\n\r\n" + GMAIL.split("\n\n", 1)[1]
                        .replace("\n", "\r\n")) == "Fine now."
    assert latest_reply("  \n ") == ""


def test_html_quotes_of_gmail_outlook_and_apple_are_left_out() -> None:
    assert html_to_text('<div dir="ltr">Orange <b>light</b> &amp; a beep.</div>'
                        '<div class="gmail_quote">On Tue wrote:<blockquote>old</blockquote>'
                        '</div>') == "Orange light & a beep."
    assert html_to_text('<p>Orange light.</p><div id="appendonsend"></div><hr>'
                        '<div id="divRplyFwdMsg"><b>From:</b> Help desk</div><p>old</p>'
                        ) == "Orange light."
    assert html_to_text('<div>Orange light.</div><blockquote type="cite">old</blockquote>'
                        '<style>p{}</style><script>alert(1)</script>') == "Orange light."


def test_format_flowed_lines_are_joined() -> None:
    assert unflow("A long line \nthat goes on.\n-- \nSam") == "A long line that goes on.\n-- \nSam"
    assert unflow("A long line \nthat goes on.", delsp=True) == "A long linethat goes on."
    assert unflow("> quoted \n> more") == "> quoted \n> more"


def test_status_links_are_scrubbed() -> None:
    link = "https://help.example.org/status/" + "a" * 43
    assert scrub_status_links(f"see {link}.", "https://help.example.org/") == \
        "see [status link removed]"
    assert scrub_status_links("the /status page", "https://x") == "the /status page"


@pytest.mark.parametrize("raw", [b"", b"  \r\n", b"only words, no header\n"])
def test_what_is_not_an_email_is_unreadable(raw: bytes) -> None:
    with pytest.raises(Unreadable):
        parse(raw)


@pytest.mark.parametrize("headers,auto", [
    ("Auto-Submitted: auto-replied", True), ("Auto-Submitted: auto-generated", True),
    ("Auto-Submitted: no", False), ("X-Autoreply: yes", True), ("X-Autorespond: x", True),
    ("Precedence: bulk", True), ("Precedence: Auto_Reply", True), ("Precedence: list", True),
    ("Precedence: first-class", False), ("List-Id: <staff.example.org>", True),
    ("Return-Path: <>", True), ("X-Mailer: Outlook", False),
])
def test_auto_replies_are_recognised(headers: str, auto: bool) -> None:
    raw = f"From: sam@example.org\r\n{headers}\r\nSubject: x\r\n\r\nhi\r\n".encode()
    assert is_auto_reply(parse(raw)) is auto


def test_bounces_are_auto_replies() -> None:
    raw = (b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n")
    assert is_auto_reply(parse(raw))


# ---------------------------------------------------------------- the reply token
@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "unit-secret", "INDEX_ON_START": False,
                       "INSTANCE_PATH": str(tmp_path_factory.mktemp("inst")),
                       "DATABASE_URL": "sqlite://", "INBOUND_ADDRESS": "help@Example.org",
                       "MAIL_DEFAULT_SENDER": "Help desk <helpdesk@example.org>"})


def test_the_token_names_the_ticket_and_survives_letter_case(app: Flask) -> None:
    with app.app_context():
        token = reply_token(42)
        assert read_token(token) == 42 and read_token(token.upper()) == 42
        assert token.startswith("42-") and token == token.lower()
        address = reply_address(42)
        assert address == f"Help desk <help+t-{token}@example.org>"
        assert len(address.split("<")[1].split("@")[0]) <= 64  # RFC 5321 local part
        found = token_in([address.upper()])
        assert found is not None and found.ticket_id == 42


def test_a_forged_token_names_nothing(app: Flask) -> None:
    with app.app_context():
        number, signature = reply_token(42).split("-")
        assert read_token(f"43-{signature}") is None
        assert read_token(f"{number}-{signature[:-1]}x") is None
        assert read_token(f"{number}-") is None and read_token("x-y") is None
        found = token_in([f"help+t-43-{signature}@example.org"])
        assert found is not None and found.ticket_id is None
        # Another domain or another mailbox is not ours: not a token at all.
        assert token_in([f"help+t-{reply_token(42)}@example.net"]) is None
        assert token_in([f"sales+t-{reply_token(42)}@example.org"]) is None
    other = create_app({"TESTING": True, "SECRET_KEY": "another-secret",
                        "INDEX_ON_START": False, "INSTANCE_PATH": app.instance_path,
                        "DATABASE_URL": "sqlite://", "INBOUND_ADDRESS": "help@example.org"})
    with app.app_context():
        token = reply_token(42)
    with other.app_context():
        assert read_token(token) is None  # signed with the app's own secret


def test_without_an_inbound_address_there_is_no_reply_address(app: Flask) -> None:
    with app.app_context():
        app.config["INBOUND_ADDRESS"] = ""
        try:
            assert reply_address(42) is None and token_in(["help+t-1-x@example.org"]) is None
        finally:
            app.config["INBOUND_ADDRESS"] = "help@Example.org"


@given(st.integers(min_value=1, max_value=10**9))
def test_every_ticket_id_round_trips(app: Flask, ticket_id: int) -> None:  # type: ignore[misc]
    with app.app_context():
        assert read_token(reply_token(ticket_id)) == ticket_id
