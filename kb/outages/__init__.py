"""Known outages, the "out of order" signs: the public status page and joining an outage
(``routes``), and the service that posts, matches and resolves them (``service``)."""
