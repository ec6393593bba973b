"""The shipped form definitions, parsed once per content.

Every govxl command loads the forms, and importing PyYAML and parsing them was a tenth of a
command's start-up. So the parse of ``templates/<id>.yaml`` is kept as JSON in
``templates/__pycache__/``, named by the sha256 of the YAML's bytes, the way Python keeps
bytecode: an edited definition has another hash and is parsed again, so a stale parse is never
used. JSON holds data only, never code, and a parse JSON cannot hold exactly (a date, a key
that is not text) is not kept. Where the folder cannot be written nothing is kept, and each
command parses the YAML as before. The definitions stay the one source: this is only a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def load(path: Path, data: bytes, parse: Callable[[bytes], Any]) -> Any:
    """``parse(data)``, or the kept result of parsing these very bytes."""
    kept = _kept(path, data)
    try:
        return json.loads(kept.read_bytes())
    except (OSError, ValueError):  # not kept yet, or unreadable: parse, and keep it
        pass
    value = parse(data)
    _keep(kept, value)
    return value


def _kept(path: Path, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()[:20]
    return path.parent / "__pycache__" / f"{path.stem}.{digest}.json"


def _keep(kept: Path, value: Any) -> None:
    try:
        text = json.dumps(value, ensure_ascii=False)
        if json.loads(text) != value:  # e.g. a YAML date or a number as key: not kept
            return
        kept.parent.mkdir(exist_ok=True)
        part = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
        try:
            part.write_text(text, encoding="utf-8")
            os.replace(part, kept)  # whole or not at all, also with two commands at once
        finally:
            part.unlink(missing_ok=True)
        stem = kept.name.split(".", 1)[0]
        for old in kept.parent.glob(f"{stem}.*.json"):
            if old != kept:  # the parse of an earlier version of the definition
                old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        pass  # a read-only installation: parse each time
