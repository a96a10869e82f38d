"""JSON Schema of every incoming event type, generated from the models.

`python -m standing.events.schemas docs/events` writes one `<type>.json` per event type; a test fails when the
checked-in files differ from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from standing.events.models import EVENT_MODELS

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(type_name: str) -> dict[str, Any]:
    schema = EVENT_MODELS[type_name].model_json_schema()
    return {"$schema": SCHEMA_DRAFT, **schema}


def rendered() -> dict[str, str]:
    """File name -> file content, for every event type."""
    return {
        f"{name}.json": json.dumps(schema_of(name), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        for name in EVENT_MODELS
    }


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/events")):
        sys.stdout.write(f"{path}\n")
