"""The programs this deployment runs, loaded once per process from the layer's programs/ folder."""

from __future__ import annotations

from functools import cache

from standing.rules import Program, load_programs


@cache
def programs() -> dict[str, Program]:
    return load_programs()


class UnknownProgram(LookupError):
    def __init__(self, program_id: str) -> None:
        super().__init__(f"unknown program {program_id!r}; known: {', '.join(sorted(programs()))}")
        self.program_id = program_id


def program(program_id: str) -> Program:
    try:
        return programs()[program_id]
    except KeyError:
        raise UnknownProgram(program_id) from None
