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


async def test_lines_added_at_once_draw_select_and_scroll_like_rows_added_one_by_one() -> None:
    one_by_one, at_once = _OneTable(), _OneTable()
    lines = [(f"p{i}", Text(f"GL-{i:04d}  name {i}")) for i in range(12)]
    drawn: list[list[str]] = []
    for app in (one_by_one, at_once):
        async with app.run_test(size=(40, 6)) as pilot:
            table = app.query_one("#t", AlignedTable)
            table.add_column(Text("Code     Name"), width=30, key="row")
            if app is one_by_one:
                for key, line in lines:
                    table.add_row(line, key=key)
            else:
                table.add_lines(lines)
            table.focus()
            await pilot.pause()
            assert [str(k.value) for k in table.rows] == [key for key, _line in lines]
            await pilot.press(*["down"] * 7)  # past the lines in view
            await pilot.pause()
            cursor = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            assert cursor.value == "p7"
            drawn.append([table.render_line(y).text for y in range(6)])
            assert table.virtual_size.height == len(lines) + 1
    assert drawn[0] == drawn[1]
    assert any("GL-0007" in line for line in drawn[1])
    assert not any("GL-0000" in line for line in drawn[1])
