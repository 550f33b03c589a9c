"""Never collect passwords: find text that looks like a password, PIN or secret key and
replace it before anything is stored. The form shows the redacted text back to the user so
they can see exactly what the help desk will read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

PASSWORD_MARK = "[password removed]"
PIN_MARK = "[PIN removed]"
KEY_MARK = "[secret key removed]"

# "password is Hunter2!", "pwd: x", "pass=x", "passcode - 1234", "secret: abc".
_KEYWORD = re.compile(
    r"""(?P<kw>\b(?:pass(?:word|wd|code|phrase)?|pwd|pw|secret|api[ _-]?key|token)s?\b)
        (?P<sep>\s*(?:is|was|=|:|-|:=)\s*|\s+)
        (?P<value>"[^"\n]{1,80}"|“[^”\n]{1,80}”|'[^'\n]{1,80}'|[^\s"“]+)""",
    re.IGNORECASE | re.VERBOSE,
)
# Keywords too common in ordinary sentences to act on without an explicit ":" or "=".
_WEAK = {"pass", "passes", "secret", "secrets", "token", "tokens", "pw"}
# "PIN 1234", "pin code is 482913", "my PIN: 0000".
_PIN = re.compile(
    r"\b(?P<kw>pin(?:\s*(?:code|number))?)(?P<sep>\s*(?:is|was|=|:|-)?\s*)(?P<value>\d{4,8})\b",
    re.IGNORECASE,
)
# "1234 is my pin".
_PIN_BEFORE = re.compile(r"\b(?P<value>\d{4,8})(?P<rest>\s+(?:is|was)\s+my\s+pin\b)",
                         re.IGNORECASE)
# A long run of letters, digits and key punctuation not inside a web address or email.
_TOKEN = re.compile(r"(?<![\w/.@:+=-])[A-Za-z0-9_\-+/=]{24,}(?![\w/.@])")
_GUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.IGNORECASE)

# detect-secrets' pattern plugins: keys and tokens of known services (AWS, GitHub, Slack,
# JWTs, private keys …), beside our plain-language rules. Its entropy plugins are left out:
# they flag ordinary words. IP addresses are left out too: people type them on purpose.
DETECTORS = ("artifactory.ArtifactoryDetector", "aws.AWSKeyDetector",
             "azure_storage_key.AzureStorageKeyDetector", "basic_auth.BasicAuthDetector",
             "discord.DiscordBotTokenDetector", "github_token.GitHubTokenDetector",
             "gitlab_token.GitLabTokenDetector", "jwt.JwtTokenDetector",
             "mailchimp.MailchimpDetector", "npm.NpmDetector", "openai.OpenAIDetector",
             "private_key.PrivateKeyDetector", "pypi_token.PypiTokenDetector",
             "sendgrid.SendGridDetector", "slack.SlackDetector", "square_oauth.SquareOAuthDetector",
             "stripe.StripeDetector", "telegram_token.TelegramBotTokenDetector",
             "twilio.TwilioKeyDetector")


@lru_cache(maxsize=1)
def library_patterns() -> tuple[re.Pattern[str], ...]:
    """The detectors' own regular expressions (loaded once, on first use)."""
    import importlib

    out: list[re.Pattern[str]] = []
    for dotted in DETECTORS:
        module, name = dotted.rsplit(".", 1)
        detector = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()
        for rx in detector.denylist:
            try:  # the rest of the token too: a pattern may stop after its fixed length
                out.append(re.compile(rf"(?:{rx.pattern})[A-Za-z0-9_\-+/=]*", rx.flags))
            except re.error:  # a pattern with its own global flags: as it is
                out.append(rx)
    return tuple(out)


@dataclass
class Redaction:
    text: str
    found: list[str] = field(default_factory=list)  # kinds: password | pin | key

    @property
    def changed(self) -> bool:
        return bool(self.found)


def _looks_secret(value: str) -> bool:
    """A word people would not write in a sentence: digits, symbols or inner capitals."""
    core = value.strip("\"'“”‘’").rstrip(".,;!?)")
    if len(core) < 4 or core.startswith("["):
        return False
    has_digit = any(c.isdigit() for c in core)
    has_symbol = any(not c.isalnum() for c in core)
    inner_upper = any(c.isupper() for c in core[1:])
    return has_digit or has_symbol or inner_upper


def _class(c: str) -> int:
    return 0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3


def _looks_random(token: str) -> bool:
    """Keys and tokens switch between lower case, capitals and digits far more than words."""
    if _GUID.match(token) or not any(c.isdigit() for c in token):
        return False
    if not any(c.isalpha() for c in token):
        return False
    changes = sum(1 for a, b in zip(token, token[1:], strict=False) if _class(a) != _class(b))
    return changes >= len(token) / 4


def redact(text: str | None) -> Redaction:
    """The text with every password-like value replaced, and what kinds were found."""
    result = Redaction(text or "")
    if not result.text:
        return result

    def keyword(m: re.Match[str]) -> str:
        explicit = any(s in m.group("sep") for s in ":=")
        value = m.group("value")
        if value.startswith("[") or value.lower().startswith(("removed", "[")):
            return m.group(0)
        if m.group("kw").lower() in _WEAK and not explicit:
            return m.group(0)
        quoted = value[0] in "\"“'" and len(value) > 2
        if explicit or quoted or _looks_secret(value):
            result.found.append("password")
            return m.group("kw") + m.group("sep") + PASSWORD_MARK
        return m.group(0)

    def pin(m: re.Match[str]) -> str:
        result.found.append("pin")
        return m.group("kw") + m.group("sep") + PIN_MARK

    def pin_before(m: re.Match[str]) -> str:
        result.found.append("pin")
        return PIN_MARK + m.group("rest")

    def token(m: re.Match[str]) -> str:
        if not _looks_random(m.group(0)):
            return m.group(0)
        result.found.append("key")
        return KEY_MARK

    def known(m: re.Match[str]) -> str:
        result.found.append("key")
        return KEY_MARK

    out = result.text
    for rx in library_patterns():
        out = rx.sub(known, out)
    out = _PIN.sub(pin, out)
    out = _PIN_BEFORE.sub(pin_before, out)
    out = _KEYWORD.sub(keyword, out)
    out = _TOKEN.sub(token, out)
    result.text = out
    return result


def describe(found: list[str]) -> str:
    """What we removed, in plain words, for the warning on the form."""
    from flask_babel import gettext as _

    words = {"password": _("a password"), "pin": _("a PIN code"),
             "key": _("a secret key or code")}
    kinds = [words[k] for k in dict.fromkeys(found) if k in words]
    if not kinds:
        return ""
    if len(kinds) == 1:
        return kinds[0]
    return _("%(some)s and %(last)s", some=", ".join(kinds[:-1]), last=kinds[-1])
