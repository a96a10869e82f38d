"""The enrolment shards, for the parts that plan over them (evaluate's runs and simulations, the portal): the
formats themselves belong to `standing.adapters.tables`, the one owner of every key, and are re-exported here."""

from __future__ import annotations

from standing.adapters.tables import ENROLMENT_SHARDS, enrolment_partition, enrolment_shard_key

__all__ = ["ENROLMENT_SHARDS", "enrolment_partition", "enrolment_shard_key"]
