"""What everyone sees: home, categories, search, articles with their helpful vote, and
"About the help desk"."""
