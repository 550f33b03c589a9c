"""For load balancers and operators: /healthz (the process answers) and /readyz (database,
index and mail queue)."""
