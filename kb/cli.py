"""``flask kb …`` commands: check content, build the index, manage agents, send updates,
and take replies by email (``receive-mail`` from an MTA, ``mail-receiver`` over SMTP)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from kb.core.content.problems import Problem
from kb.core.services import library, search_index
from kb.extensions import db
from kb.states import AgentRole

kb_cli = AppGroup("kb", help="Helpdesk KB commands.")


@kb_cli.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings (reviews due) as errors too.")
def check(strict: bool) -> None:
    """Lint articles, wizards and support.yml; print file:line:col for every problem."""
    from kb.core.content.lint import lint, load_jargon
    from kb.wizards import load_wizards

    cfg = current_app.config
    wizards, wizard_problems = load_wizards(Path(cfg["WIZARDS_DIR"]), library())
    problems = lint(library(), jargon=load_jargon(Path(cfg["JARGON_FILE"])),
                    wizard_ids=wizards.keys(), max_grade=float(cfg["MAX_READING_GRADE"]))
    from kb.tickets.supportfile import lint_support

    support_problems = lint_support(Path(cfg["SUPPORT_FILE"]), Path(cfg["BRAND_DIR"]))
    from kb.core import search_overrides

    overrides, override_problems = search_overrides.check(library())
    problems += _check_languages(wizards.keys())
    problems = sorted(problems + wizard_problems + support_problems + override_problems)
    for problem in problems:
        click.echo(str(problem), err=problem.level == "error")
    errors = [p for p in problems if p.level == "error" or strict]
    lib = library()
    click.echo(f"Search overrides made from the worklist: {len(overrides)}.")
    for line in overrides:
        click.echo(f"  {line}")
    click.echo(f"{len(lib.articles)} articles, {len(wizards)} wizards checked: "
               f"{len(errors)} errors, {len(problems) - len(errors)} warnings.")
    if not support_problems:
        _say_contrast()
    if errors:
        sys.exit(1)


def _check_languages(default_wizards: Iterable[str]) -> list[Problem]:
    """The same checks on each other language's articles (its section names, its readability
    formula) and wizards (articles/<lang>/, wizards/<lang>/)."""
    from kb.core.content.lint import lint, load_jargon
    from kb.core.i18n import languages
    from kb.core.services import library_in
    from kb.wizards import load_wizards

    cfg = current_app.config
    problems: list[Problem] = []
    for lang in languages()[1:]:
        lib = library_in(lang)
        folder = Path(cfg["WIZARDS_DIR"]) / lang
        wizards, wizard_problems = (load_wizards(folder, lib, known=set(default_wizards))
                                    if folder.is_dir() else ({}, []))
        jargon = load_jargon(Path(cfg["ARTICLES_DIR"]) / lang / "_jargon.yml")
        problems += wizard_problems + lint(lib, jargon=jargon,
                                           wizard_ids={*default_wizards, *wizards},
                                           max_grade=float(cfg["MAX_READING_GRADE"]))
        click.echo(f"{lang}: {len(lib.translated)} articles, {len(wizards)} wizards translated.")
    return problems


def _say_contrast() -> None:
    from kb.core import brand
    from kb.core.services import support

    accent = (support().get("brand") or {}).get("accent")
    if isinstance(accent, str) and brand.HEX.fullmatch(accent):
        ratios = ", ".join(f"{brand.contrast(accent, colour):.2f}:1 against {name}"
                           for name, colour in brand.AGAINST.items())
        click.echo(f"Accent {accent}: {ratios} (WCAG AA needs {brand.AA}:1).")


@kb_cli.command("index")
@click.option("--if-stale", is_flag=True, help="Only bring changed articles up to date.")
def index(if_stale: bool) -> None:
    """Rebuild the search index in a temporary folder and swap it in."""
    articles = library().visible(include_internal=True)
    if if_stale:
        count = search_index().sync(articles)
        click.echo(f"Index up to date ({count} articles changed).")
    else:
        count = search_index().rebuild(articles)
        click.echo(f"Index rebuilt with {count} articles.")


@kb_cli.command("create-agent")
@click.option("--email", required=True, help="Work email the agent signs in with.")
@click.option("--name", required=True, help="Name shown to colleagues and in replies.")
@click.option("--role", type=click.Choice([r.value for r in AgentRole]), default="agent",
              show_default=True,
              help="Leads can also post outages.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given (give it only in scripts).")
def create_agent_command(email: str, name: str, role: str, password: str) -> None:
    """Add an agent account (the password is stored only as an argon2 hash)."""
    from kb.core.staff import create_agent

    try:
        agent = create_agent(email, name, password, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {agent.role} {agent.email}.")


@kb_cli.command("send-updates")
def send_updates_command() -> None:
    """Tell the owner of every open ticket nobody touched today that we are still on it
    (queued: the worker sends them)."""
    from kb.agents.actions import send_updates

    count = send_updates()
    db.session.commit()
    click.echo(f"Queued {count} \"still working on it\" updates.")


@kb_cli.command("worker")
@click.option("--threads", default=2, show_default=True, help="Emails sent at once.")
def worker_command(threads: int) -> None:
    """Send the outbox: run the job queue's consumer until stopped (Ctrl+C)."""
    import logging

    from kb.core.mail import sweep
    from kb.core.worker import consumer

    if not logging.getLogger().handlers:  # say what was sent, retried or given up on
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    overdue = sweep()  # whatever was left queued while no worker ran
    click.echo(f"Worker started ({overdue} waiting emails enqueued again).")
    consumer(app, workers=threads).run()


@kb_cli.command("prune")
@click.option("--days", type=click.IntRange(1, 36500), default=None,
              help="Keep this many days (default: LOG_RETENTION_DAYS).")
def prune(days: int | None) -> None:
    """Delete search logs and wizard runs and events older than the retention period."""
    from kb.core.retention import prune_logs

    keep = days or int(current_app.config["LOG_RETENTION_DAYS"])
    counts = prune_logs(keep)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + f" older than {keep} "
               "days deleted.")


# sysexits.h: what an MTA (Postfix's pipe, Exim, sendmail) understands from a delivery command.
EX_DATAERR = 65  # not an email: bounce it, trying again will not help
EX_TEMPFAIL = 75  # the database is down (or another passing failure): keep it and try later


@kb_cli.command("receive-mail")
@click.option("--recipient", "recipients", multiple=True, metavar="ADDRESS",
              help="The envelope recipient, e.g. Postfix's ${original_recipient} (a Bcc "
                   "leaves it out of the headers). May be given more than once.")
def receive_mail(recipients: tuple[str, ...]) -> None:
    """Read one email from standard input, as an MTA pipes it, and add it to its ticket or
    hold it for an agent. Exit 0: stored or held; 65: not an email; 75: try again later."""
    import logging

    from kb.extensions import db
    from kb.tickets.inbound import Unreadable, receive

    limit = int(current_app.config["INBOUND_MAX_BYTES"])
    raw = _read_stdin(limit + 1)
    try:
        row = receive(raw, recipients)
        db.session.commit()
        ticket = row.ticket.reference if row.ticket is not None else "no ticket"
        outcome = (f"Added to {ticket}." if row.state == "added"
                   else f"Held for an agent ({row.reason}; {ticket}).")
    except Unreadable as exc:
        db.session.rollback()
        click.echo(f"Not an email we can read: {exc}", err=True)
        sys.exit(EX_DATAERR)
    except Exception as exc:
        logging.getLogger(__name__).exception("receive-mail failed; the MTA will retry")
        try:
            db.session.rollback()
        except Exception:  # the database is gone: nothing to roll back
            pass
        click.echo(f"Could not store the email, try again later: {type(exc).__name__}",
                   err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(outcome)


def _read_stdin(keep: int) -> bytes:
    """The first ``keep`` bytes of standard input; the rest is read and dropped, so the MTA
    never sees a broken pipe for a message that was held as too big."""
    stream = sys.stdin.buffer
    data = stream.read(keep)
    while stream.read(1024 * 1024):
        pass
    return data


@kb_cli.command("mail-receiver")
@click.option("--host", default=None, help="Address to listen on [INBOUND_SMTP_HOST].")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on [INBOUND_SMTP_PORT].")
def mail_receiver(host: str | None, port: int | None) -> None:
    """Take replies by SMTP (aiosmtpd) for the INBOUND_ADDRESS domain, until stopped."""
    import logging
    import signal
    import threading

    from kb.tickets.smtp_receiver import make_receiver

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = current_app.config
    host = host or str(cfg["INBOUND_SMTP_HOST"])
    port = port or int(cfg["INBOUND_SMTP_PORT"])
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        receiver = make_receiver(app, host, port)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    receiver.start()
    click.echo(f"Taking mail for @{receiver.handler.domain} on {host}:{port} (Ctrl+C stops).")
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
        click.echo("Mail receiver stopped.")
