"""News: bounded fetching of feeds, parsing with feedparser, cleaning of untrusted text."""
