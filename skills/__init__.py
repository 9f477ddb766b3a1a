"""Built-in skills, registered through the same entry points as third-party plugins."""
