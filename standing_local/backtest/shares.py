"""The backtest's events file split into shares of partners on disk, so that no process holds the whole of it.

A year of a large marketplace's events (120M lines, some 30 GB of JSON) does not fit in a laptop's memory, and the
backtest's parent process used to hold every line and its key (about 1.3 KB a line in all, docs/backtest.md
"Memory"). So the file is never read whole: it is cut into chunks of bytes at line ends (`chunks`), and three
passes, each a task per chunk or share that any process of the pool can take, write and read files in a
temporary directory:

1. `split` (a task per chunk): each line goes to the share of its partner (a stable hash of its id), and its key
   (readable or not, instant, line number, partner, event id) to the key bucket of its event id. What is not a JSON
   object goes to the first share, whose job reports it.
2. `moves` (a task per key bucket): an event id used by more than one partner belongs to the first of them in the
   order `standing replay` sends the lines (unreadable instants first, then by occurrence, then line), as ingest
   sees it first; its lines of other partners move to the owner's share, so that the conflict is still found.
3. `Shares.lines` (in each job): a share's lines from every chunk, less those that moved out, plus those that
   moved in, in line order.

Lines are read as `standing replay` reads them (standing_local/jsonl.py): a line ends at a line feed, and one that is
not UTF-8 is reported at its number while the others still land.
"""

from __future__ import annotations

import json
import multiprocessing.pool
import os
import pickle
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from standing_local import jsonl

CHUNK_BYTES = 32 << 20  # bytes of the events file per task of the first pass (about; a chunk ends at a line end)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Key = tuple[bool, int, int, str, str]  # (occurred readable, UTC instant in microseconds, line, partner, event id)
Text = str | None  # a line's text; None: not UTF-8


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # byte offset of its first line
    end: int  # byte offset after its last line (and its b"\n")
    first: int  # the number of its first line


def chunks(path: Path, size: int = CHUNK_BYTES) -> tuple[list[Chunk], int]:
    """The file's chunks of about `size` bytes, each ending at a line end, and its number of lines (a last line
    with no b"\\n" counts)."""
    found: list[Chunk] = []
    number, start = 1, 0
    with path.open("rb") as handle:
        while block := handle.read(size):
            if not block.endswith(b"\n"):
                block += handle.readline()  # to the end of the line (or of the file)
            found.append(Chunk(len(found), start, start + len(block), number))
            number += block.count(b"\n") + (not block.endswith(b"\n"))
            start += len(block)
    return found, number - 1


def chunk_lines(path: Path, chunk: Chunk) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        handle.seek(chunk.start)
        data = handle.read(chunk.end - chunk.start)
    return enumerate(jsonl.split(data), start=chunk.first)


def share_of(partner_id: str, shares: int) -> int:
    return zlib.crc32(partner_id.encode("utf-8", "surrogatepass")) % shares


def key_of(number: int, text: str) -> Key | None:
    """What the partition needs of a line, in an order that sorts as `standing replay` sends them; None for what
    is not a JSON object."""
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(envelope, dict):
        return None
    at = jsonl.occurred_at(envelope)
    micros = 0 if at is None else (at - _EPOCH) // _MICROSECOND  # exact: integer arithmetic on timedeltas
    return (at is not None, micros, number, str(envelope.get("partner_id")), str(envelope.get("event_id")))


@dataclass(frozen=True)
class Shares:
    """The split input in `directory`: the shares that hold lines (`filled`); `moved`: line number -> (its
    partner's share, the share it moved to)."""

    directory: str
    filled: tuple[int, ...]
    moved: dict[int, tuple[int, int]]

    def lines(self, share: int) -> list[tuple[int, Text]]:
        """The share's lines, in line order."""
        found = [line for line in _read(self.directory, "s", share) if line[0] not in self.moved]
        arriving: dict[int, set[int]] = defaultdict(set)  # the share a line was in -> the lines
        for number, (origin, target) in self.moved.items():
            if target == share:
                arriving[origin].add(number)
        for origin, numbers in arriving.items():
            found += [line for line in _read(self.directory, "s", origin) if line[0] in numbers]
        found.sort(key=_number)
        return found


def partition(
    path: Path, directory: Path, found: list[Chunk], count: int, pool: multiprocessing.pool.Pool | None = None
) -> Shares:
    """Passes 1 and 2 over the chunks `found` of `path`, into `count` shares in `directory`; on the `pool`'s
    processes when there is one."""
    mapped: Callable[[Callable[[Any], Any], list[Any]], list[Any]] = pool.map if pool is not None else _serial
    written = mapped(split, [(str(path), str(directory), chunk, count) for chunk in found])
    moved: dict[int, tuple[int, int]] = {}
    for found_moves in mapped(moves, [(str(directory), bucket, count) for bucket in range(count)]):
        moved.update((number, (origin, target)) for number, origin, target in found_moves)
    filled = tuple(sorted({share for shares in written for share in shares}))
    return Shares(str(directory), filled, moved)


def split(task: tuple[str, str, Chunk, int]) -> list[int]:
    """Pass 1 on one chunk: its lines to their partners' shares, their keys to their event ids' buckets, appended
    to this process's file of each (files per process, not per chunk: a 30 GB file is about a thousand chunks).
    Returns the shares it wrote lines to."""
    path, directory, chunk, count = task
    lines: list[list[tuple[int, Text]]] = [[] for _ in range(count)]
    keys: list[list[Key]] = [[] for _ in range(count)]
    for number, raw in chunk_lines(Path(path), chunk):
        text = jsonl.text(raw)
        if text is None:
            lines[0].append((number, None))
            continue
        key = key_of(number, text)
        if key is None:
            lines[0].append((number, text))
            continue
        lines[share_of(key[3], count)].append((number, text))
        keys[share_of(key[4], count)].append(key)
    process = os.getpid()
    for kind, groups in (("s", lines), ("k", keys)):
        for index, group in enumerate(groups):
            if group:
                with (Path(directory) / f"{process}.{kind}{index}").open("ab") as handle:
                    pickle.dump(group, handle, pickle.HIGHEST_PROTOCOL)
    return [index for index, group in enumerate(lines) if group]


def moves(task: tuple[str, int, int]) -> list[tuple[int, int, int]]:
    """Pass 2 on one key bucket: (line, its partner's share, the share it moves to) for each line of an event id
    another partner used first. The bucket's files are read once, then removed: from here on the disk holds about
    one copy of the events file."""
    directory, bucket, count = task
    by_id: dict[str, list[Key]] = defaultdict(list)
    for key in _read(directory, "k", bucket, remove=True):
        by_id[key[4]].append(key)
    found: list[tuple[int, int, int]] = []
    for keys in by_id.values():
        if len(keys) > 1 and len({key[3] for key in keys}) > 1:
            keys.sort()
            owner = share_of(keys[0][3], count)
            found += [(k[2], share_of(k[3], count), owner) for k in keys if share_of(k[3], count) != owner]
    return found


def _read(directory: str, kind: str, index: int, remove: bool = False) -> Iterator[Any]:
    """Every item of a share's (kind "s") or key bucket's ("k") files, written by any process."""
    for path in sorted(Path(directory).glob(f"*.{kind}{index}")):
        with path.open("rb") as handle:
            while True:
                try:
                    yield from pickle.load(handle)
                except EOFError:
                    break
        if remove:
            path.unlink()


def _serial(function: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
    return [function(task) for task in tasks]


def _number(line: tuple[int, Text]) -> int:
    return line[0]
