"""AlignedTable draws each row as one segment, with the row's own style when it has one."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from fieldkit.tui.columns import AlignedTable


class _OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield AlignedTable(id="t", cursor_type="row", zebra_stripes=True)


async def test_a_row_keeps_its_own_style_and_the_others_have_none() -> None:
    app = _OneTable()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one("#t", AlignedTable)
        table.add_column(Text("Date  What"), width=20, key="row")
        table.add_row(Text("2026-11-01  visit"), key="a")
        table.add_row(Text("2026-10-01  voided", style="strike dim"), key="b")
        await pilot.pause()
        plain, voided = table.render_line(1), table.render_line(2)
        assert plain.text.startswith(" 2026-11-01  visit")
        assert voided.text.startswith(" 2026-10-01  voided")
        first = next(iter(voided)).style
        assert first is not None
        assert first.strike
        assert first.dim
        style = next(iter(plain)).style
        assert style is not None
        assert not style.strike
