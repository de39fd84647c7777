"""One service card drawn on a reportlab canvas: the QR, the short code, the holder.

A card is the size of a bank card (85.6 x 54 mm). Left: the QR (32 mm, with its
four-module quiet zone inside the card) and the short code under it, which can be
typed when a scanner is missing (a lookup, not a proof). Right: the bureau, the
person's name and site, the contact's name and phone (a line to write on when
the file names no contact), and the card's issue number. Chinese text uses
reportlab's CID font STSong-Light, which needs no font file.

The QR is written as PDF path operators in module units: one ``re`` per
horizontal run of dark modules, filled once, so a card costs a few kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from fieldkit.cards.qr import QR_MODULES, Matrix, dark_runs
from fieldkit.i18n import gettext as _

__all__ = ["CARD_HEIGHT", "CARD_WIDTH", "CJK_FONT", "CardFace", "draw_card", "qr_operators"]

CARD_WIDTH = 85.6 * mm
CARD_HEIGHT = 54 * mm
CJK_FONT = "STSong-Light"
_CODE_FONT = "Helvetica-Bold"
_QR_SIZE = 32 * mm
_QR_X = 4 * mm
_QR_Y = 12 * mm
_TEXT_X = 40 * mm
_TEXT_RIGHT = CARD_WIDTH - 3.5 * mm

pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


@dataclass(frozen=True)
class CardFace:
    """Everything printed on one card."""

    payload: str
    code: str
    name: str
    site: str
    bureau: str
    contact: str
    phone: str
    issue: int


def qr_operators(matrix: Matrix, x: float, y: float, size: float) -> str:
    """PDF operators filling ``matrix``'s dark modules in a ``size`` square at (x, y)."""
    n = len(matrix)
    unit = size / n
    rects = " ".join(f"{c} {n - 1 - r} {w} 1 re" for r, c, w in dark_runs(matrix))
    return f"q 0 g {unit:.4f} 0 0 {unit:.4f} {x:.3f} {y:.3f} cm {rects} f Q"


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width``."""
    wide = pdfmetrics.stringWidth(text, font, size)
    return size if wide <= width else max(5.0, size * width / wide)


def _labelled(c: Canvas, x: float, y: float, label: str, value: str) -> None:
    """``label`` then ``value``, or a line to write on when there is no value."""
    c.setFont(CJK_FONT, 8)
    c.drawString(x, y, label)
    start = x + pdfmetrics.stringWidth(label, CJK_FONT, 8) + 1
    if value:
        c.setFont(CJK_FONT, _fit(value, CJK_FONT, 9, _TEXT_RIGHT - start))
        c.drawString(start, y, value)
    else:
        c.line(start, y - 0.8, _TEXT_RIGHT, y - 0.8)


def draw_card(c: Canvas, x: float, y: float, face: CardFace, matrix: Matrix) -> None:
    """Draw ``face`` with its QR ``matrix`` on ``c``, the card's lower-left corner at (x, y)."""
    assert len(matrix) == QR_MODULES
    c.addLiteral(qr_operators(matrix, x + _QR_X, y + _QR_Y, _QR_SIZE))
    c.setFont(_CODE_FONT, 11)
    c.drawCentredString(x + _QR_X + _QR_SIZE / 2, y + 6 * mm, face.code)
    width = _TEXT_RIGHT - _TEXT_X
    title = f"{face.bureau}  {_('Card label: service card')}".strip()
    c.setFont(CJK_FONT, _fit(title, CJK_FONT, 9, CARD_WIDTH - 8 * mm))
    c.drawCentredString(x + CARD_WIDTH / 2, y + 48.5 * mm, title)
    c.setFont(CJK_FONT, _fit(face.name, CJK_FONT, 16, width))
    c.drawString(x + _TEXT_X, y + 36 * mm, face.name)
    c.setFont(CJK_FONT, _fit(face.site, CJK_FONT, 9, width))
    c.drawString(x + _TEXT_X, y + 29.5 * mm, face.site)
    _labelled(c, x + _TEXT_X, y + 19 * mm, _("Card label: contact"), face.contact)
    _labelled(c, x + _TEXT_X, y + 12.5 * mm, _("Card label: phone"), face.phone)
    c.setFont(CJK_FONT, 7)
    c.drawString(
        x + _TEXT_X, y + 6 * mm, _("Card label: card no. {issue}").format(issue=face.issue)
    )
