"""StateTable key formats that more than one part writes or reads: one definition, so writer and reader agree."""

from __future__ import annotations

import zlib

# The by_enrolment GSI spreads a program's partners over this many partitions, so the planner can read them in
# parallel pages and no single partition takes every enrolment write. Changing it means re-keying the index.
ENROLMENT_SHARDS = 16


def enrolment_partition(program: str, shard: int) -> str:
    """`gsi1pk` of one shard of a program's enrolments."""
    return f"ENROL#{program}#{shard:02d}"


def enrolment_shard_key(program: str, partner_id: str) -> str:
    """`gsi1pk` of a partner's enrolment in a program (a stable hash of the partner id picks the shard)."""
    return enrolment_partition(program, zlib.crc32(partner_id.encode("utf-8")) % ENROLMENT_SHARDS)
