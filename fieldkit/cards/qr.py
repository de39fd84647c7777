"""The QR symbol of a card payload: version 8 at error correction Q, as a module matrix.

A version-1 payload (144 alphanumeric characters, 805 bits) fits version 6 at
error correction M; the card spends the rest of the version-8 budget on level Q,
so a quarter of the symbol may be scratched or soiled and the card still scans.

Speed. ``qrcode`` builds the symbol eight times (once per mask pattern) in pure
Python to pick the mask with the lowest penalty, which is most of its time. Every
card has the same version and level, so :class:`CardSymbols` takes from
``qrcode`` once what does not depend on the payload (the function patterns, with
and without the format bits of each mask, and the module order of the data bits)
and then, per card, asks ``qrcode`` only for the codewords (data plus
Reed-Solomon), places their bits and scores all eight masks at once with numpy,
using ``qrcode``'s own penalty rules (ISO/IEC 18004 N1-N4, format bits blank while
scoring, as ``qrcode`` does). The result is the very matrix ``qrcode`` makes; a
test compares the two on many payloads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import qrcode
from numpy.typing import NDArray
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError
from qrcode.util import MODE_ALPHA_NUM, QRData, create_data, mask_func

__all__ = [
    "QR_ERROR_LEVEL",
    "QR_MODULES",
    "QR_VERSION",
    "CardSymbols",
    "Matrix",
    "card_matrix",
    "dark_runs",
]

QR_VERSION = 8
QR_ERROR_LEVEL = "Q"
QR_MODULES = 17 + 4 * QR_VERSION
"""Modules on a side of the symbol (49), without the quiet zone."""

Matrix = NDArray[np.bool_]
"""Rows from the top, True for a dark module."""

_FINDER_LIKE = (0b10111010000, 0b00001011101)  # 1:1:3:1:1 with 4 light modules on a side


class _Layout(qrcode.QRCode):
    """A ``qrcode`` symbol that keeps its function patterns and never places data."""

    captured: list[list[bool | None]]

    def map_data(self, data: Any, mask_pattern: int) -> None:
        self.captured = [list(row) for row in self.modules]


def _function_patterns(test: bool, mask: int) -> list[list[bool | None]]:
    layout = _Layout(version=QR_VERSION, error_correction=ERROR_CORRECT_Q, border=0)
    layout.data_cache = []  # no data: makeImpl stops at map_data
    layout.makeImpl(test, mask)
    return layout.captured


def _data_order(free: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Rows and columns of the data modules in the order bits are placed (ISO 18004 7.7.3)."""
    n = free.shape[0]
    rows: list[int] = []
    cols: list[int] = []
    upward = True
    right = n - 1
    while right > 0:
        if right == 6:  # the vertical timing pattern is skipped
            right -= 1
        for row in range(n - 1, -1, -1) if upward else range(n):
            for col in (right, right - 1):
                if free[row, col]:
                    rows.append(row)
                    cols.append(col)
        upward = not upward
        right -= 2
    return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)


def _runs_penalty(stack: NDArray[np.int8]) -> NDArray[np.int64]:
    """N1 of each symbol: every run of 5 or more same-coloured modules in a row scores len-2."""
    count, n, _ = stack.shape
    # a separator after each row keeps runs from crossing rows or symbols
    flat = np.concatenate([stack, np.full((count, n, 1), 2, dtype=np.int8)], axis=2).ravel()
    starts = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], starts, [flat.size]))
    lengths = np.diff(bounds)
    owner = bounds[:-1] // (n * (n + 1))
    scores = np.where(lengths >= 5, lengths - 2, 0)
    return np.bincount(owner, weights=scores, minlength=count).astype(np.int64)


def _finder_penalty(stack: NDArray[np.int8]) -> NDArray[np.int64]:
    """N3 of each symbol: 40 for each finder-like 11-module pattern in a row."""
    width = stack.shape[2] - 10
    value = np.zeros((stack.shape[0], stack.shape[1], width), dtype=np.int32)
    for i in range(11):
        value = value * 2 + stack[:, :, i : i + width]
    found = (value == _FINDER_LIKE[0]) | (value == _FINDER_LIKE[1])
    penalty: NDArray[np.int64] = 40 * found.sum(axis=(1, 2)).astype(np.int64)
    return penalty


def _penalties(stack: NDArray[np.int8]) -> NDArray[np.int64]:
    """The ``qrcode`` penalty (N1 + N2 + N3 + N4) of each symbol of ``stack``."""
    across = stack.transpose(0, 2, 1)
    n1 = _runs_penalty(stack) + _runs_penalty(np.ascontiguousarray(across))
    block = stack[:, :-1, :-1]
    same = (block == stack[:, 1:, :-1]) & (block == stack[:, :-1, 1:]) & (block == stack[:, 1:, 1:])
    n2 = 3 * same.sum(axis=(1, 2)).astype(np.int64)
    n3 = _finder_penalty(stack) + _finder_penalty(across)
    percent = stack.sum(axis=(1, 2)) * 100.0 / (stack.shape[1] * stack.shape[2])
    n4 = 10 * (np.abs(percent - 50) / 5).astype(np.int64)
    return np.asarray(n1 + n2 + n3 + n4, dtype=np.int64)


class CardSymbols:
    """Builds version-8-Q symbols fast; the fixed parts are taken from ``qrcode`` once."""

    def __init__(self) -> None:
        blank = _function_patterns(True, 0)
        self.function = np.array([[v is not None for v in row] for row in blank])
        self.rows, self.cols = _data_order(~self.function)
        n = QR_MODULES
        grid_r, grid_c = np.indices((n, n))
        self.masks = np.array(
            [np.vectorize(mask_func(k))(grid_r, grid_c).astype(bool) for k in range(8)]
        )
        self.scoring = np.array([[bool(v) for v in row] for row in blank])
        self.final = np.array(
            [[[bool(v) for v in row] for row in _function_patterns(False, k)] for k in range(8)]
        )

    def codewords(self, payload: str) -> list[int]:
        """Data and error-correction codewords of ``payload`` (one alphanumeric segment)."""
        try:
            segment = QRData(payload.encode("ascii"), mode=MODE_ALPHA_NUM)
        except (UnicodeEncodeError, TypeError) as err:
            raise ValueError("a card payload holds QR alphanumeric characters only") from err
        try:
            words: list[int] = create_data(QR_VERSION, ERROR_CORRECT_Q, [segment])
        except DataOverflowError as err:
            raise ValueError(
                f"{len(payload)} characters do not fit a version-8 QR at level Q"
            ) from err
        return words

    def matrix(self, payload: str) -> Matrix:
        """The symbol of ``payload``: the matrix ``qrcode`` makes, with the same mask."""
        bits = np.unpackbits(np.array(self.codewords(payload), dtype=np.uint8)).astype(bool)
        data = np.zeros((QR_MODULES, QR_MODULES), dtype=bool)
        placed = min(bits.size, self.rows.size)
        data[self.rows[:placed], self.cols[:placed]] = bits[:placed]
        masked = data[np.newaxis] ^ self.masks
        candidates = np.where(self.function, self.scoring, masked).astype(np.int8)
        best = int(np.argmin(_penalties(candidates)))
        out: Matrix = np.where(self.function, self.final[best], masked[best])
        return out


@lru_cache(maxsize=1)
def _symbols() -> CardSymbols:
    return CardSymbols()


def card_matrix(payload: str) -> Matrix:
    """The modules of ``payload``'s version-8-Q symbol (``ValueError`` if it does not fit)."""
    return _symbols().matrix(payload)


def dark_runs(matrix: Matrix) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as ``(row, first column, length)``."""
    n = matrix.shape[1]
    padded = np.zeros((matrix.shape[0], n + 2), dtype=np.int8)
    padded[:, 1:-1] = matrix
    edges = np.diff(padded, axis=1)
    start_r, start_c = np.nonzero(edges == 1)
    _end_r, end_c = np.nonzero(edges == -1)
    return list(zip(start_r.tolist(), start_c.tolist(), (end_c - start_c).tolist(), strict=True))
