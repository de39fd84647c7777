"""Maintain the gettext catalogs: extract msgids, merge them into the .po files, write .mo.

Run ``python -m fieldkit.locale.catalog`` after changing interface text: every
``_("...")`` string literal in ``fieldkit/`` becomes a msgid; new ones are added to
each catalog (English gets the msgid as its text, Chinese an empty translation to
fill in), and every catalog is compiled to its ``.mo`` file. The same functions
let the tests check that the catalogs are complete and the ``.mo`` files current.
"""

from __future__ import annotations

import ast
import re
import struct
import sys
from pathlib import Path

__all__ = [
    "CATALOGS",
    "compile_mo",
    "extract_msgids",
    "po_path",
    "read_po",
    "write_po",
]

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent
CATALOGS = ("zh_CN", "en")
_HEADER = (
    "Project-Id-Version: fieldkit\\n"
    "MIME-Version: 1.0\\n"
    "Content-Type: text/plain; charset=UTF-8\\n"
    "Content-Transfer-Encoding: 8bit\\n"
)


def po_path(catalog: str) -> Path:
    """The .po file of a catalog."""
    return LOCALE_DIR / catalog / "LC_MESSAGES" / "fieldkit.po"


_TEMPLATE_MSGID = re.compile(r'_\("([^"\\]+)"\)')
"""``_("...")`` in a Jinja2 template (the HQ console's pages)."""


def extract_msgids(root: Path = PACKAGE_DIR) -> list[str]:
    """Every string literal passed to ``_()`` or ``gettext()`` in the package, and every
    ``_("...")`` in its HTML templates, sorted."""
    found: set[str] = set()
    for path in sorted(root.rglob("*.html")):
        found.update(_TEMPLATE_MSGID.findall(path.read_text(encoding="utf-8")))
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "gettext", "N_"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return sorted(found)


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def _quote(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def read_po(path: Path) -> dict[str, str]:
    """The msgid -> msgstr pairs of a .po file (header excluded)."""
    entries: dict[str, str] = {}
    msgid: str | None = None
    msgstr: str | None = None
    target = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if msgid is not None and msgstr is not None and msgid:
                entries[msgid] = msgstr
            msgid, msgstr, target = _unquote(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, target = _unquote(line[7:]), "str"
        elif line.startswith('"'):
            if target == "id" and msgid is not None:
                msgid += _unquote(line)
            elif target == "str" and msgstr is not None:
                msgstr += _unquote(line)
    if msgid is not None and msgstr is not None and msgid:
        entries[msgid] = msgstr
    return entries


def write_po(path: Path, entries: dict[str, str]) -> None:
    """Write a .po file with the header and ``entries`` sorted by msgid."""
    lines = ['msgid ""', 'msgstr ""', f'"{_HEADER}"', ""]
    for msgid in sorted(entries):
        lines += [f"msgid {_quote(msgid)}", f"msgstr {_quote(entries[msgid])}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def compile_mo(entries: dict[str, str]) -> bytes:
    """The GNU .mo bytes of ``entries`` (untranslated entries are left out)."""
    header = _HEADER.replace("\\n", "\n")
    pairs = sorted([("", header), *((k, v) for k, v in entries.items() if v)])
    ids = b""
    strs = b""
    offsets: list[tuple[int, int, int, int]] = []
    for key, value in pairs:
        k, v = key.encode(), value.encode()
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    n = len(pairs)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    table: list[int] = []
    for ko, kl, _vo, _vl in offsets:
        table += [kl, key_start + ko]
    for _ko, _kl, vo, vl in offsets:
        table += [vl, value_start + vo]
    head = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    return head + struct.pack(f"{len(table)}i", *table) + ids + strs


def main() -> int:
    """Merge new msgids into every catalog and rebuild the .mo files."""
    msgids = extract_msgids()
    for catalog in CATALOGS:
        path = po_path(catalog)
        old = read_po(path) if path.exists() else {}
        merged = {m: old.get(m, m if catalog == "en" else "") for m in msgids}
        write_po(path, merged)
        path.with_suffix(".mo").write_bytes(compile_mo(merged))
        missing = [m for m, t in merged.items() if not t]
        print(f"{catalog}: {len(merged)} messages, {len(missing)} untranslated")
        for m in missing:
            print(f"  untranslated: {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
