"""docs/schemas/: the JSON Schema of the detail of every event Standing puts on its bus, and of the evaluation
record, generated from the models in standing.contracts (`standing schemas`). `standing schemas --check` (run by
`make test`) fails when a file differs from what the models generate, is missing, or is one no model makes."""

from __future__ import annotations

import json
from pathlib import Path

from standing import contracts
from standing_local.template import ROOT

FOLDER = ROOT / "docs" / "schemas"


def rendered() -> dict[str, str]:
    """File name -> file content, one per outgoing detail type and one for the record."""
    return {
        f"{stem}.json": json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        for stem, schema in contracts.json_schemas().items()
    }


def stale(folder: Path) -> list[str]:
    """The file names in `folder` that are not what the models generate (changed, missing, or left over)."""
    expected = rendered()
    found = {path.name: path for path in folder.glob("*.json")} if folder.is_dir() else {}
    problems = [
        name for name, text in expected.items() if name not in found or found[name].read_text(encoding="utf-8") != text
    ]
    return sorted(problems + [name for name in found if name not in expected])


def write(folder: Path) -> list[Path]:
    """Write every schema into `folder`, and remove the ones no model makes any more."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = rendered()
    for path in folder.glob("*.json"):
        if path.name not in expected:
            path.unlink()
    written = []
    for name, text in expected.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
