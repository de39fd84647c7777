"""Enrollment codes drawn as QR codes in SVG (made here, no web service)."""

from __future__ import annotations

import qrcode
from qrcode.image.svg import SvgPathImage

__all__ = ["qr_svg"]


def qr_svg(data: str) -> str:
    """``data`` as an inline SVG QR code."""
    image = qrcode.make(data, image_factory=SvgPathImage, border=2, box_size=10)
    raw = image.to_string(encoding="unicode")
    text = raw if isinstance(raw, str) else raw.decode()
    # inline in HTML: drop the XML declaration
    return text.split("?>", 1)[1] if text.startswith("<?xml") else text
