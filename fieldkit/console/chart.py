"""The Overview's chart of visits per week by site: SVG made on the server with pygal.

No script and no web font: the SVG is inlined in the page, prints as drawn, and
needs nothing from outside the intranet.
"""

from __future__ import annotations

import re
from datetime import date

import pygal
from pygal.style import Style

__all__ = ["weekly_visits_svg"]

# pygal always writes its tooltip configuration as an inline script; the page runs
# no script (its Content-Security-Policy forbids them), so it is left out
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)

_STYLE = Style(
    background="white",
    plot_background="white",
    font_family="'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
)


def weekly_visits_svg(
    title: str, weeks: list[date], series: list[tuple[str, list[int]]], *, width: int = 1100
) -> str:
    """A line per site (``(name, counts per week)``), weeks labelled by their Monday."""
    chart = pygal.Line(
        width=width,
        height=340,
        style=_STYLE,
        title=title,
        js=[],
        disable_xml_declaration=True,
        show_dots=True,
        dots_size=2,
        legend_at_bottom=True,
        legend_at_bottom_columns=6,
        x_label_rotation=0,
        include_x_axis=True,
        truncate_legend=18,
        no_data_text="—",
        explicit_size=True,
    )
    chart.x_labels = [w.strftime("%m-%d") for w in weeks]
    top = max((n for _name, counts in series for n in counts), default=0)
    step = max(1, -(-top // 8))
    chart.y_labels = list(range(0, max(top, 1) + step, step))  # whole visits only
    for name, counts in series:
        chart.add(name, counts)
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))
