"""Shared services several areas call and none of which knows Flask routes: for now the
outbox and the job queue that sends it (search, content and privacy move here when touched)."""
