"""Cards to files: A4 PDF sheets with cut marks, or one PNG per card.

A sheet holds ten cards (two columns of five) edge to edge, with cut marks in the
margin on every cutting line. Pages are compressed; a site of 2,000 persons makes
a PDF of a few megabytes. Files are written under a temporary name and renamed
when complete, so an interrupted run never leaves a half-written file behind.
PNG files are the same cards rendered from a one-card PDF by PDFium (300 dpi).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fieldkit.cards.qr import card_matrix
from fieldkit.cards.render import CARD_HEIGHT, CARD_WIDTH, CardFace, draw_card

__all__ = [
    "CARDS_PER_PAGE",
    "PNG_DPI",
    "Progress",
    "SheetResult",
    "card_origins",
    "png_name",
    "write_pdf",
    "write_pngs",
]

Progress = Callable[[int, int], None]
"""Called with (cards done, cards in all) as the job goes."""

_COLUMNS, _ROWS = 2, 5
CARDS_PER_PAGE = _COLUMNS * _ROWS
PNG_DPI = 300
_PAGE_W, _PAGE_H = A4
_LEFT = (_PAGE_W - _COLUMNS * CARD_WIDTH) / 2
_BOTTOM = (_PAGE_H - _ROWS * CARD_HEIGHT) / 2
_MARK_GAP = 1.5 * mm
_MARK_LEN = 5 * mm


@dataclass(frozen=True)
class SheetResult:
    """What a print job wrote."""

    cards: int
    pages: int
    files: tuple[Path, ...]
    size_bytes: int


def card_origins() -> list[tuple[float, float]]:
    """Lower-left corners of the cards of a page, in reading order (top row first)."""
    return [
        (_LEFT + col * CARD_WIDTH, _BOTTOM + (_ROWS - 1 - row) * CARD_HEIGHT)
        for row in range(_ROWS)
        for col in range(_COLUMNS)
    ]


def _cut_marks(c: Canvas) -> None:
    """Short lines in the margin on each cutting line, never over a card."""
    c.setLineWidth(0.3)
    top = _BOTTOM + _ROWS * CARD_HEIGHT
    right = _LEFT + _COLUMNS * CARD_WIDTH
    for col in range(_COLUMNS + 1):
        x = _LEFT + col * CARD_WIDTH
        c.line(x, top + _MARK_GAP, x, top + _MARK_GAP + _MARK_LEN)
        c.line(x, _BOTTOM - _MARK_GAP, x, _BOTTOM - _MARK_GAP - _MARK_LEN)
    for row in range(_ROWS + 1):
        y = _BOTTOM + row * CARD_HEIGHT
        c.line(_LEFT - _MARK_GAP, y, _LEFT - _MARK_GAP - _MARK_LEN, y)
        c.line(right + _MARK_GAP, y, right + _MARK_GAP + _MARK_LEN, y)


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that becomes ``path`` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _draw_sheets(
    c: Canvas, faces: Sequence[CardFace], per_page: int, progress: Progress | None
) -> int:
    """Draw ``faces`` ``per_page`` to a page; returns the number of pages."""
    origins = card_origins() if per_page > 1 else [(0.0, 0.0)]
    pages = 0
    for start in range(0, len(faces), per_page):
        for face, (x, y) in zip(faces[start : start + per_page], origins, strict=False):
            draw_card(c, x, y, face, card_matrix(face.payload))
        if per_page > 1:
            _cut_marks(c)
        c.showPage()
        pages += 1
        if progress is not None:
            progress(min(start + per_page, len(faces)), len(faces))
    return pages


def _canvas(target: str | io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    c = Canvas(target, pagesize=size, pageCompression=1, invariant=1)
    c.setTitle(title)
    c.setCreator("fieldkit")
    return c


def write_pdf(
    faces: Sequence[CardFace], path: Path, progress: Progress | None = None
) -> SheetResult:
    """Write ``faces`` to ``path`` as A4 sheets of ten cards with cut marks."""
    with _replacing(path) as tmp:
        c = _canvas(str(tmp), A4, path.stem)
        pages = _draw_sheets(c, faces, CARDS_PER_PAGE, progress)
        c.save()
    return SheetResult(cards=len(faces), pages=pages, files=(path,), size_bytes=path.stat().st_size)


def png_name(code: str) -> str:
    """The PNG file name of a card: its short code, with anything but [A-Za-z0-9-_~] as _."""
    return re.sub(r"[^A-Za-z0-9_~-]", "_", code) + ".png"


def write_pngs(
    faces: Sequence[CardFace], directory: Path, progress: Progress | None = None
) -> SheetResult:
    """Write one PNG per card into ``directory`` (named by :func:`png_name`)."""
    import pypdfium2

    buffer = io.BytesIO()
    c = _canvas(buffer, (CARD_WIDTH, CARD_HEIGHT), "cards")
    _draw_sheets(c, faces, 1, None)
    c.save()
    pdf = pypdfium2.PdfDocument(buffer.getvalue())
    written: list[Path] = []
    size = 0
    try:
        for at, face in enumerate(faces):
            image = pdf[at].render(scale=PNG_DPI / 72).to_pil()
            target = directory / png_name(face.code)
            with _replacing(target) as tmp:
                image.save(tmp, format="PNG", dpi=(PNG_DPI, PNG_DPI))
            written.append(target)
            size += target.stat().st_size
            if progress is not None:
                progress(at + 1, len(faces))
    finally:
        pdf.close()
    return SheetResult(cards=len(faces), pages=len(faces), files=tuple(written), size_bytes=size)
