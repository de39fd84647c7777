"""Reading printed cards back with a real decoder (zxing-cpp), from PNGs and PDF pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image

from fieldkit.cards.keys import PublicCardKey, public_row
from fieldkit.store import Store

COUNTY = "古岚县"
"""The demo county, whose cards the tests sign."""
WHEN = datetime(2026, 11, 22, 9, 30)


@dataclass(frozen=True)
class Scan:
    """One QR found in an image: its text, version and error-correction level."""

    text: str
    version: str
    ec_level: str


def scan_image(image: Image.Image) -> list[Scan]:
    """Every QR code zxing-cpp finds in ``image``."""
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [
        Scan(text=b.text, version=_version(b.extra), ec_level=b.ec_level)
        for b in zxingcpp.read_barcodes(image, formats=qr)
    ]


def _version(extra: object) -> str:
    """The symbol version from zxing-cpp's per-symbology extra information (a dict)."""
    assert isinstance(extra, dict)
    return str(extra.get("Version"))


def scan_pdf(path: Path, dpi: int = 200) -> list[list[Scan]]:
    """The QR codes of each page of a PDF rendered by PDFium at ``dpi``."""
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [scan_image(page.render(scale=dpi / 72).to_pil()) for page in pdf]
    finally:
        pdf.close()


def scan_png(path: Path) -> list[Scan]:
    """The QR codes in a PNG file."""
    with Image.open(path) as image:
        return scan_image(image)


def publish_key(store: Store, key: PublicCardKey) -> None:
    """Put ``key`` among the store's card keys, as a sync from HQ would."""
    with store.write() as s:
        s.add(public_row(key))
