"""Shared services that several areas call and none of which declares routes: search and
content, the search log, privacy (redaction) and retention, mail (the outbox and its worker),
staff sign-in, health checks, input parsing and the small soft cache."""
