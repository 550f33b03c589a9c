"""Tickets: what the user asked for help with, from the form or a wizard hand-off."""
