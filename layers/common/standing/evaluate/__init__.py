"""Evaluate: scheduled runs that fan out, per-partner judging, daily projections, changes between schedules."""
