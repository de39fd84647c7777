"""Drafts of forms not yet saved, kept on disk so that a crash of the app loses no typing.

One JSON file per store (``<store file>.drafts.json``, beside the store in the user
data dir). A draft is the form's kind, what it is about (a person's id) and the
typed values by input id. Every write replaces the whole file atomically (a
temporary file, fsync, rename), so the file is always either the old or the new
draft set, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Draft", "DraftBox"]


@dataclass(frozen=True)
class Draft:
    """Typed input of one form: ``kind`` (visit, consultation...), ``subject`` and ``values``."""

    kind: str
    subject: str
    values: dict[str, Any]
    title: str = ""
    saved_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def key(self) -> str:
        """One draft per form kind and subject."""
        return f"{self.kind}:{self.subject}"


def _json_value(value: Any) -> Any:
    """Form values as JSON (tuples of selections become lists)."""
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class DraftBox:
    """The drafts of one store, in the JSON file ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def beside(cls, store_path: Path) -> DraftBox:
        """The drafts file of the store at ``store_path``."""
        return cls(store_path.with_name(store_path.name + ".drafts.json"))

    def all(self) -> list[Draft]:
        """Every draft kept, oldest first (an unreadable file counts as none)."""
        with self._lock:
            return sorted(self._read().values(), key=lambda d: d.saved_at)

    def keep(self, draft: Draft) -> None:
        """Write ``draft`` (replacing the one of the same form and subject)."""
        with self._lock:
            drafts = self._read()
            drafts[draft.key] = draft
            self._write(drafts)

    def drop(self, kind: str, subject: str) -> None:
        """Forget the draft of that form (it was saved or discarded)."""
        with self._lock:
            drafts = self._read()
            if drafts.pop(f"{kind}:{subject}", None) is not None:
                self._write(drafts)

    def _read(self) -> dict[str, Draft]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        out: dict[str, Draft] = {}
        for item in raw.get("drafts", []) if isinstance(raw, dict) else []:
            try:
                draft = Draft(
                    kind=str(item["kind"]),
                    subject=str(item["subject"]),
                    values=dict(item["values"]),
                    title=str(item.get("title", "")),
                    saved_at=str(item.get("saved_at", "")),
                )
            except (KeyError, TypeError, ValueError):
                continue
            out[draft.key] = draft
        return out

    def _write(self, drafts: dict[str, Draft]) -> None:
        if not drafts:
            self.path.unlink(missing_ok=True)
            return
        doc = {
            "drafts": [
                {
                    "kind": d.kind,
                    "subject": d.subject,
                    "title": d.title,
                    "saved_at": d.saved_at,
                    "values": {k: _json_value(v) for k, v in d.values.items()},
                }
                for d in drafts.values()
            ]
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".drafts-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(doc, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
