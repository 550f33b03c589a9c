"""Known errors (ITIL problem management): a lead records a problem behind many tickets
(symptoms in users' words, cause, workaround article, status investigating → known error →
fixed) and links tickets to it; agents link a ticket in one step from the ticket page;
marking it fixed tells every linked requester. ``routes`` (``/agent/problems``, its own
blueprint), ``forms``, ``service``; the pages that show known errors read them through
kb.core.known_errors."""
