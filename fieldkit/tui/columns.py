"""Fixed-width text columns measured in terminal cells (a Chinese character takes two).

The roster draws each row as one pre-aligned line instead of one table cell per
field: painting a page of 50 rows then costs one cell per row, and
:class:`AlignedTable` draws that cell as one segment, which keeps the list quick
to redraw while typing a search on an old laptop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import DuplicateKey, Row, RowKey

from fieldkit.tui.widgets import fit_cells

__all__ = ["GAP", "AlignedTable", "aligned", "column_widths", "line_width"]

GAP = "  "


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], caps: Sequence[int | None]
) -> list[int]:
    """The width in cells of each column: its widest value or header, at most its cap."""
    widths = []
    for i, head in enumerate(header):
        widest = max([cell_len(head), *(cell_len(r[i]) for r in rows)])
        cap = caps[i]
        widths.append(widest if cap is None else min(widest, cap))
    return widths


def line_width(widths: Sequence[int]) -> int:
    """The cells a full line of these columns takes (the table column's fixed width).

    Given to the table up front: a width left to grow with the rows is only
    settled on a later refresh, and a row drawn before then is clipped.
    """
    return sum(widths) + len(GAP) * max(0, len(widths) - 1)


def aligned(values: Sequence[str], widths: Sequence[int]) -> str:
    """One line: each value cut or padded to its column's width in cells."""
    parts = []
    for value, width in zip(values, widths, strict=True):
        text = fit_cells(value, width)
        parts.append(text + " " * (width - cell_len(text)))
    return GAP.join(parts).rstrip()


class AlignedTable(DataTable[Text]):
    """A table of pre-aligned one-line rows (one column; see :func:`aligned`).

    Each row is drawn as one styled segment cut to the column's width, instead of
    through Rich's layout of a padded, wrapped cell (``Console.render_lines``),
    which took most of the time of redrawing the roster after a keystroke. The
    header, the cursor, zebra stripes and mouse clicks work as in ``DataTable``; a
    row's ``Text`` may carry one style for the whole line (the person file's voided
    records).
    The styles a line needs (the widget's, the stripes', the cursor's) are looked
    up once per redraw, not once per line.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pass_styles: dict[object, Any] = {}
        self._strips: dict[tuple[object, ...], Strip] = {}

    KEPT_STRIPS = 1000
    """Drawn row lines kept for the next redraws (then they are all dropped)."""

    def _pass_style(self, key: object, make: Callable[[], Any]) -> Any:
        """A style of this redraw, made the first time a line asks for it."""
        style = self._pass_styles.get(key)
        if style is None:
            style = self._pass_styles[key] = make()
        return style

    def add_lines(self, lines: Sequence[tuple[str, Text]]) -> None:
        """Add one-line rows ``(key, line)`` under the one column at once.

        What ``add_row`` does for each row, with the cursor, the redraw and the
        table's size settled once for them all instead of once per row.
        """
        if not lines:
            return
        column = self.ordered_columns[0].key
        start = self.row_count
        for offset, (key, line) in enumerate(lines):
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            self._row_locations[row_key] = start + offset
            self._data[row_key] = {column: line}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if start == 0 and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a row for the cursor appeared
        self._update_count += 1
        self.check_idle()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """The table's size; fixed-width columns of one-line rows are not measured.

        ``DataTable`` lays out every new row's cells with Rich to measure them, which
        a column of fixed width and rows of one line do not need.
        """
        keys = list(new_rows)
        columns = list(self.columns.values())
        rows = [self.rows[key] for key in keys if key in self.rows]
        if any(c.auto_width for c in columns) or any(
            r.label is not None or r.auto_height or r.height != 1 for r in rows
        ):
            super()._update_dimensions(keys)
            return
        header = self.header_height if self.show_header else 0
        width = sum(c.get_render_width(self) for c in columns) + self._row_label_column_width
        self.virtual_size = Size(width, self._total_row_height + header)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in ``crop``; styles are looked up afresh for each redraw."""
        self._pass_styles = {}
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """One line of the table (header, or a row scrolled into view)."""
        if self.fixed_rows:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        base = self._pass_style("base", lambda: self.rich_style)
        header = self.header_height if self.show_header else 0
        if y < header:
            return self._render_line(y, scroll_x, scroll_x + self.size.width, base)
        row_index = y - header + scroll_y
        if not self._one_line_rows():
            return self._render_line(y + scroll_y, scroll_x, scroll_x + self.size.width, base)
        if row_index >= self.row_count:
            return Strip.blank(self.size.width, base)
        return self._row_strip(row_index, scroll_x, base)

    def _one_line_rows(self) -> bool:
        """Whether every row is one line in one column, without labels (the quick draw)."""
        return (
            self.cursor_type == "row"
            and not self.fixed_columns
            and len(self._column_locations) == 1
            and len(self._y_offsets) == self.row_count
            and not (self._labelled_row_exists and self.show_row_labels)
        )

    def _row_strip(self, row_index: int, scroll_x: int, base: Style) -> Strip:
        """A row's line as one segment cut to the column, and the table's width after it.

        Strips are kept by what they show (the text, the row's place and every style),
        so a row that shows again after a keystroke is not drawn again.
        """
        row_key = self._row_locations.get_key(row_index)
        assert row_key is not None
        cell = self._data[row_key][self._column_locations.get_key(0)]  # type: ignore[index]
        cursor = row_index == self.cursor_coordinate.row
        hover = row_index == self.hover_coordinate.row
        row_style = self._pass_style(
            ("row", row_index % 2, base), lambda: self._get_row_style(row_index, base)
        )
        flags = (hover, cursor, self.show_cursor, self._show_hover_cursor)
        component, post = self._pass_style(
            ("cell", flags),
            lambda: self._get_styles_to_render_cell(
                False, False, False, *flags,
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            ),
        )  # fmt: skip
        extend, _post = self._pass_style(
            ("extend", flags),
            lambda: self._get_styles_to_render_cell(False, False, False, *flags, False, False),
        )
        text = cell.plain if isinstance(cell, Text) else str(cell)
        own = self._cell_style(cell.style) if isinstance(cell, Text) and cell.style else None
        column = self.ordered_columns[0]
        column_width = column.get_render_width(self)
        width = self.size.width
        key = (text, own, row_index, row_style, component, post, extend, column_width, width,
               scroll_x, base)  # fmt: skip
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        pad = " " * self.cell_padding
        line = pad + set_cell_size(text, max(0, column_width - 2 * len(pad))) + pad
        style = row_style + own if own is not None else row_style
        meta = {"row": row_index, "column": 0}
        rest = max(0, width - column_width)
        after = {**meta, "out_of_bounds": True}
        segments = [
            Segment(line, style + Style.from_meta(meta) + component + post),
            Segment(" " * rest, row_style + extend + Style.from_meta(after)),
        ]
        strip = Strip(segments)
        if scroll_x:
            strip = strip.crop(scroll_x, scroll_x + width)
        strip = strip.adjust_cell_length(width, base).simplify()
        if len(self._strips) >= self.KEPT_STRIPS:
            self._strips.clear()
        self._strips[key] = strip
        return strip

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        plain = (
            row_key in self._row_locations
            and self.cursor_type == "row"
            and not self.fixed_columns
            and not (self._labelled_row_exists and self.show_row_labels)
        )
        if not plain:
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row_index = self._row_locations.get(row_key)
        assert row_index is not None  # ``plain`` checked the row is there
        cursor = row_index == cursor_location.row
        hover = row_index == hover_location.row
        row_style = self._pass_style(
            ("row", row_index % 2, base_style), lambda: self._get_row_style(row_index, base_style)
        )
        cells = []
        table_width = self._row_label_column_width
        for column_index, column in enumerate(self.ordered_columns):
            width = column.get_render_width(self)
            table_width += width
            lines = self._render_cell(row_index, column_index, row_style, width, cursor, hover)
            cells.append(lines[line_no])
        extend, _post = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            False, False,
        )  # fmt: skip
        meta = Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        remaining = max(0, self.size.width - table_width)
        cells.append([Segment(" " * remaining, row_style + extend + meta)])
        pair: tuple[list[list[Segment]], list[list[Segment]]] = ([], cells)
        self._row_render_cache[cache_key] = pair
        return pair

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        assert row_key is not None
        assert column_key is not None
        cell = self.get_cell(row_key, column_key)
        component, post = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        meta = Style.from_meta({"row": row_index, "column": column_index})
        pad = " " * self.cell_padding
        text = cell.plain if isinstance(cell, Text) else str(cell)
        own = self._cell_style(cell.style) if isinstance(cell, Text) and cell.style else None
        line = pad + set_cell_size(text, max(0, width - 2 * len(pad))) + pad
        style = base_style + own if own is not None else base_style
        return [[Segment(line, style + meta + component + post)]]

    def _cell_style(self, style: str | Style) -> Style:
        """A row's own style (a voided record's ``strike dim``), parsed once per redraw."""
        if isinstance(style, Style):
            return style
        parsed: Style = self._pass_style(("cell", style), lambda: Style.parse(style))
        return parsed
