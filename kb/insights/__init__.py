"""Insights for leads (``/agent/insights``): what people searched for and did not find,
which articles and wizard steps helped, where people gave up, how tickets were handled, and
the self-service score. Every figure is counted by the database (``queries``,
``wizard_queries``, ``ticket_queries``, ``selfservice``) over a period the lead picks; the
page draws them as SVG built by Jinja (``charts``), each with its numbers as a table and a
CSV download."""
