"""The help-desk agents' workspace: sign-in, ticket work, article flags, outages, reports."""
