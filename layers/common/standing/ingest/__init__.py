"""Ingest: events in, stored once; partner state from the few events that change it.

- `service`: validate a batch, classify each event (new, duplicate, conflict) and store the new ones, one
  conditional write each (`POST /events` and the bus entry).
- `partner_state`: profiles, memberships, risk cases and voids applied to the partner (the EventsTable stream,
  filtered to those types).
- `redrive`: parked events applied again once corrected.
"""
