"""Default settings. Order of precedence (flaskr style): these defaults, then
``instance/config.py``, then ``KB_*`` environment variables, then the test mapping."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """Everything a fresh clone needs to run; nothing here is secret."""

    # Content lives beside the code, not inside the package: it is edited by the help desk.
    ARTICLES_DIR = str(ROOT / "articles")
    WIZARDS_DIR = str(ROOT / "wizards")
    GLOSSARY_FILE = str(ROOT / "articles" / "_glossary.yml")
    SYNONYMS_FILE = str(ROOT / "articles" / "_synonyms.yml")
    JARGON_FILE = str(ROOT / "articles" / "_jargon.yml")
    SUPPORT_FILE = str(ROOT / "support.yml")
    # An article drafted from a ticket may be published into ARTICLES_DIR from the site (the
    # drafts list): only where the site can write there and someone chose it. Off: download.
    ARTICLES_WRITABLE = False
    # The logo and site icon that support.yml's brand: names are served from this folder only.
    BRAND_DIR = str(ROOT / "brand")
    # Optional: templates/ in here win over ours (same names), and overrides.css is added
    # after our stylesheet. Empty: no overrides.
    OVERRIDES_DIR = ""
    # The site's languages, the default first: the interface (kb/translations), articles in
    # ARTICLES_DIR/<lang>/ and wizards in WIZARDS_DIR/<lang>/; a page not yet translated is
    # shown in the default language with a notice. "en,fr" from the environment works too.
    LANGUAGES = ["en", "fr"]
    # The help widget (/widget.js): origins besides this site's own that may show its panel,
    # e.g. "https://intranet.example.org, https://wiki.example.org". Empty: this site only.
    WIDGET_ORIGINS = ""
    # Relative to the instance folder unless absolute; set in create_app.
    INDEX_DIR = "index"
    # Which search answers (kb/core/search/backends.py): "fast" (the Whoosh index with our
    # ranker), "whoosh" (the same index, Whoosh's own ranking: the reference) or "postgres"
    # (one index in the PostgreSQL database, shared by every node).
    SEARCH_BACKEND = "fast"
    UPLOAD_DIR = "uploads"
    DATABASE_URL = ""  # empty: SQLite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Outage banners, known errors, popular articles, the search overrides' version: a query's
    # answer is kept this long (and shown from memory while the database is down).
    FAIL_SOFT_CACHE_SECONDS = 10
    # Pages the same for every visitor (home, articles, a wizard's first question) kept
    # rendered, for at most FAIL_SOFT_CACHE_SECONDS (kb.core.pagecache).
    PAGE_CACHE = True
    MAX_READING_GRADE = 8.0
    SEARCH_PER_PAGE = 10
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # 5 MB upload plus form overhead

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # on when BASE_URL is https:// (or KB_SESSION_COOKIE_SECURE)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    LOG_RETENTION_DAYS = 400  # searches and wizard runs kept this long (flask kb prune)
    AGENT_IDLE_MINUTES = 480  # an agent session ends after 8 hours without a request ...
    AGENT_MAX_HOURS = 24  # ... and after 24 hours whatever happens
    INVITE_HOURS = 72  # an emailed invitation link to join the team works this long, once
    WTF_CSRF_TIME_LIMIT = None  # a half-filled form left open over lunch still submits

    # Rate limits: shared by every worker and node through Redis when REDIS_URL (or the
    # limiter's own RATELIMIT_STORAGE_URI) is set, else counted per process in memory.
    REDIS_URL = ""
    RATELIMIT_STORAGE_URI = ""  # empty: REDIS_URL when set, else memory://
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in this process's memory (Flask-Limiter logs a warning) and retry
    # Redis now and then; a limiter error never turns a request into a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    REDIS_TIMEOUT = 1.0  # seconds to connect or answer before a request gives up on Redis

    # Behind a reverse proxy: how many proxies set each X-Forwarded-* header (0: trust none).
    # Without X_FOR the limits would see the proxy's address and count everyone together.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0

    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "Help desk <helpdesk@example.org>"
    # The outbox (kb/core/mail.py): a failed send is tried again MAIL_RETRIES times, waiting
    # MAIL_RETRY_DELAY seconds, then that times MAIL_RETRY_BACKOFF each time (10 s … ≈ 85 min,
    # ≈ 2.8 hours in all) before it is marked failed.
    MAIL_RETRIES = 10
    MAIL_RETRY_DELAY = 10
    MAIL_RETRY_BACKOFF = 2.0
    MAIL_SWEEP_GRACE = 120  # a queued email this many seconds overdue is enqueued again
    MAIL_LEASE_SECONDS = 600  # a worker that claimed an email and vanished loses it after this
    MAIL_STUCK_MINUTES = 15  # /readyz: an email waiting longer says the worker or SMTP is stuck

    # The job queue (kb/core/worker.py): huey in SQLite under instance/, or Redis when set.
    # (REDIS_URL above: the queue lives in Redis when it is set.)
    QUEUE_NAME = "helpdesk-kb"
    QUEUE_FILE = "queue.sqlite3"  # relative to the instance folder unless absolute
    QUEUE_IMMEDIATE = False  # run tasks inside the caller (tests about content only)
    # Organisation sign-in (kb/sso): off while OIDC_ISSUER is empty. The issuer's
    # /.well-known/openid-configuration gives every endpoint.
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    # The ID-token claim listing the person's groups, and the groups that give each role
    # (comma-separated, or a list); lead wins when both match. No match: a requester.
    OIDC_GROUPS_CLAIM = "groups"
    OIDC_LEAD_GROUPS = "helpdesk-leads"
    OIDC_AGENT_GROUPS = "helpdesk-agents"
    # Public address used in emails (status links); requests use their own host.
    BASE_URL = "http://127.0.0.1:5000"

    # Replies by email (kb/tickets/inbound.py): empty, nothing changes. Set to the address
    # mail for the help desk arrives at, e.g. "help@example.org": every ticket email then
    # carries Reply-To: help+t-<signed token>@example.org, and a reply piped to
    # `flask kb receive-mail` (or sent to `flask kb mail-receiver`) is added to the ticket.
    INBOUND_ADDRESS = ""
    INBOUND_MAX_BYTES = 25 * 1024 * 1024  # a bigger message is held for an agent, unread
    # Our MTA's Authentication-Results id: when set, replies must pass SPF/DKIM/DMARC there.
    INBOUND_AUTHSERV_ID = ""
    # The optional built-in SMTP receiver (`flask kb mail-receiver`) for small sites.
    INBOUND_SMTP_HOST = "127.0.0.1"
    INBOUND_SMTP_PORT = 2525
