"""Passwords, PINs and secret keys are found and replaced; ordinary sentences are left alone."""

from __future__ import annotations

import pytest

from kb.core.privacy import KEY_MARK, PASSWORD_MARK, PIN_MARK, describe, redact


@pytest.mark.parametrize(("text", "expected"), [
    ("my password is Hunter2!", f"my password is {PASSWORD_MARK}"),
    ("My new password Summer2026 does not work",
     f"My new password {PASSWORD_MARK} does not work"),
    ("pwd: letmein", f"pwd: {PASSWORD_MARK}"),
    ("pass=abc", f"pass={PASSWORD_MARK}"),
    ("PASSWORD: 'correct horse battery'", f"PASSWORD: {PASSWORD_MARK}"),
    ("the passcode was 9x!2", f"the passcode was {PASSWORD_MARK}"),
    ("secret: xyz", f"secret: {PASSWORD_MARK}"),
])
def test_passwords_are_removed(text: str, expected: str) -> None:
    result = redact(text)
    assert result.text == expected
    assert result.found == ["password"]


@pytest.mark.parametrize(("text", "expected"), [
    ("my PIN is 4821", f"my PIN is {PIN_MARK}"),
    ("pin code: 482913", f"pin code: {PIN_MARK}"),
    ("4821 is my pin", f"{PIN_MARK} is my pin"),
])
def test_pins_are_removed(text: str, expected: str) -> None:
    result = redact(text)
    assert result.text == expected
    assert result.found == ["pin"]


def test_random_looking_keys_are_removed() -> None:
    result = redact("The key sk_live_51HxYzAbC9dEfGhIjKlMnOpQrStUv stopped working")
    assert result.text == f"The key {KEY_MARK} stopped working"
    assert result.found == ["key"]
    hexkey = redact("token 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    assert hexkey.found == ["key"]


@pytest.mark.parametrize("text", [
    "My password is wrong and now I am locked out",
    "My password expired yesterday",
    "my password isn't accepted",
    "I will pass it on to my manager",
    "The printer in room G12 says error 0x80070005",
    "Device 3f2504e0-4f89-11d3-9a0c-0305e82c3301 will not start",
    "Microsoft365EnterpriseLicenseSomething is missing",
    "See https://intranet.example.org/pages/aB3dE5fG7hJ9kL1mN3pQ5rS7tU9 please",
    "My pin number changed",
    "",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert not result.changed


def test_redaction_is_stable() -> None:
    """Sending the redacted text again finds nothing more, so the user is not warned twice."""
    once = redact("my password is Hunter2! and my PIN is 1234")
    assert once.found == ["pin", "password"]
    again = redact(once.text)
    assert again.text == once.text
    assert not again.changed


def test_describe_in_plain_words() -> None:
    assert describe(["password"]) == "a password"
    assert describe(["pin", "password", "pin"]) == "a PIN code and a password"
    assert describe([]) == ""


@pytest.mark.parametrize("secret", [
    "AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_Xg",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc"])
def test_known_service_keys_are_removed_by_detect_secrets_patterns(secret: str) -> None:
    out = redact(f"The script stopped, it uses {secret} to log in.")
    assert secret not in out.text and "key" in out.found


def test_ordinary_words_are_left_alone_by_the_library_patterns() -> None:
    text = "My printer at 10.0.0.5 says offline since Tuesday"
    assert redact(text).text == text
