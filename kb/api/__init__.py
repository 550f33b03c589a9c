"""The read-only JSON API (/api/v1): search, articles and title suggestions, public only."""
