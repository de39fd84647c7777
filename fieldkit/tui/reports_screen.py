"""Reports: the quarter's figures and a chart of visits per month by site.

The figures come from :meth:`fieldkit.services.reports.Reports.build` (the same
tables ``fieldkit report`` writes), the chart from
:meth:`~fieldkit.services.reports.Reports.visits_per_month`, both computed in a
thread worker under the county's care-plan policy (as ``fieldkit report`` and Today;
a policy file that cannot be used is explained in place of the figures). ``[`` and
``]`` step to the quarter before or after; ``r`` computes the quarter again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Sparkline, Static

from fieldkit.domain.money import format_yuan
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services.due import COUNTY_POLICY_FILE, PolicyProblem
from fieldkit.services.reports import Quarter, QuarterlyReport
from fieldkit.tui.display import policy_problem_text
from fieldkit.tui.widgets import FieldScreen

__all__ = ["ReportsScreen", "figure_lines"]


def figure_lines(report: QuarterlyReport) -> list[str]:
    """The quarter's totals, one line each, in the interface language."""
    persons = report.persons.total
    visits = report.visits.total
    care = report.care_by_site.total.outcomes
    activities = report.activities.total
    lines = [
        _("Persons served: {n}").format(n=persons.served),
        _("New: {new}, moved: {moved}, deceased: {deceased}").format(
            new=persons.new, moved=persons.moved, deceased=persons.deceased
        ),
        _("Visits: {n}; persons visited: {persons}; confirmed by card: {cards}").format(
            n=visits.visits, persons=visits.persons_visited, cards=visits.card_scanned
        ),
        _("Care-plan visits due: on time {on_time}, late {late}, missed {missed}").format(
            on_time=care.on_time, late=care.late, missed=care.missed
        ),
        _("Relocation-site residents not visited in 12 months: {n}").format(
            n=len(report.unvisited)
        ),
    ]
    if not report.money_hidden:
        fen = sum(report.money.total.fen_by_reason.values())
        lines.append(_("Money handed over: {yuan} yuan").format(yuan=format_yuan(fen)))
    lines += [
        _("Consultations: {n}").format(n=sum(report.consultations.total.by_topic.values())),
        _("Service activities: {n}; people reached: {reached}; volunteer hours: {hours}").format(
            n=activities.activities,
            reached=activities.people_reached,
            hours=f"{activities.volunteer_minutes / 60:.1f}",
        ),
    ]
    return lines


class ReportsScreen(FieldScreen):
    """The quarter's statistics at a glance; the files come from ``fieldkit report``."""

    TITLE_MSGID = N_("Reports")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "quarter(-1)", N_("Previous quarter")),
        Binding("right_square_bracket", "quarter(1)", N_("Next quarter")),
        Binding("r", "quarter(0)", N_("Refresh")),
        Binding("escape", "app.pop_screen", N_("Back")),
    ]

    @dataclass
    class Computed(Message):
        """The quarter's report and its visits per month by site arrived."""

        report: QuarterlyReport
        months: list[tuple[str, tuple[int, int, int]]]

    @dataclass
    class PolicyFailed(Message):
        """The county's policy file could not be used."""

        problem: str

    def __init__(self, quarter: Quarter | None = None) -> None:
        super().__init__()
        self.quarter = quarter

    def compose_body(self) -> ComposeResult:
        """Title, figures, then the chart."""
        with VerticalScroll(id="reports-body"):
            yield Static(_("Loading…"), id="reports-title")
            yield Static("", id="reports-figures")
            yield Static("", id="reports-chart-title")
            yield VerticalScroll(id="reports-chart")

    def on_mount(self) -> None:
        """Start on the quarter of today."""
        super().on_mount()
        if self.quarter is None:
            self.quarter = Quarter.of_day(self.fk.today())
        self._compute(self.quarter)

    def action_quarter(self, step: int) -> None:
        """Show the quarter ``step`` quarters away."""
        assert self.quarter is not None
        index = self.quarter.year * 4 + self.quarter.number - 1 + step
        self.quarter = Quarter(index // 4, index % 4 + 1)
        self.query_one("#reports-title", Static).update(_("Loading…"))
        self._compute(self.quarter)

    @work(thread=True, exit_on_error=False, exclusive=True, group="reports")
    def _compute(self, quarter: Quarter) -> None:
        services = self.fk.services
        try:
            policy = services.due.policy()
        except PolicyProblem as err:
            self.post_message(self.PolicyFailed(err.problem))
            return
        reports = services.reports
        self.post_message(
            self.Computed(reports.build(quarter, policy=policy), reports.visits_per_month(quarter))
        )

    @on(PolicyFailed)
    def _policy_failed(self, message: PolicyFailed) -> None:
        self.query_one("#reports-title", Static).update(
            policy_problem_text(COUNTY_POLICY_FILE, message.problem)
        )
        self.query_one("#reports-figures", Static).update("")
        self.query_one("#reports-chart-title", Static).update("")
        self.query_one("#reports-chart", VerticalScroll).remove_children()

    @on(Computed)
    def _computed(self, message: Computed) -> None:
        report = message.report
        self.query_one("#reports-title", Static).update(
            f"{report.bureau} · {report.quarter.label()}"
        )
        self.query_one("#reports-figures", Static).update("\n".join(figure_lines(report)))
        first = report.quarter.start.month
        self.query_one("#reports-chart-title", Static).update(
            _("Visits per month by site ({a}, {b}, {c})").format(
                a=_("month {m}").format(m=first),
                b=_("month {m}").format(m=first + 1),
                c=_("month {m}").format(m=first + 2),
            )
        )
        chart = self.query_one("#reports-chart", VerticalScroll)
        chart.remove_children()
        chart.mount_all(
            Horizontal(
                Label(name, classes="reports-site"),
                Sparkline(list(months), classes="reports-spark"),
                Label(" / ".join(str(n) for n in months), classes="reports-counts"),
                classes="reports-row",
            )
            for name, months in message.months
        )
