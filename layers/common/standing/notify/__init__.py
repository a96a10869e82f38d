"""Partner emails: rendering (Jinja2 + Babel), MIME building, and the exactly-once send service."""
