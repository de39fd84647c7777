"""The field app: screens, navigation, the sync line, the QR scanner, themes, drafts.

``run(services, lang)`` is what ``fieldkit`` and ``fieldkit demo`` call. The app
reaches the store only through :mod:`fieldkit.services`, and never on the UI
thread: the app and its screens start thread workers that post messages back
(see the screen modules). What the app needs at start (the user's name, the
default site, drafts left by a crash) is read by a worker too; screens that
depend on it start their work in :meth:`FieldScreen.app_ready`.

A worker that fails is handled in one place (:meth:`FieldkitApp.worker_state_changed`):
the error becomes a notice in the user's language, the screen that started the
worker is told (a form keeps its input), and the app goes on.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from fieldkit.config import Config, config_path, load_config, save_config
from fieldkit.domain.vocab import Confirmation
from fieldkit.i18n import N_, resolve_language, set_language
from fieldkit.i18n import gettext as _
from fieldkit.services import Draft, FieldkitError, Services, SyncLine, describe, explain
from fieldkit.tui import checkin
from fieldkit.tui.commands import FieldkitCommands
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.drafts import draft_form, draft_question
from fieldkit.tui.roster import RosterScreen
from fieldkit.tui.scanner import ScanBuffer
from fieldkit.tui.widgets import FieldScreen, Palette, translate_bindings

log = logging.getLogger("fieldkit.tui.app")

if TYPE_CHECKING:  # imported when first used: a lean start
    from fieldkit.domain.careplan import TaskKind
    from fieldkit.services.keeper_process import KeeperProcess
    from fieldkit.tui.person import PersonScreen

__all__ = ["FieldkitApp", "run"]

THEMES = {"dark": "textual-dark", "light": "textual-light"}


def _today_screen() -> Screen[None]:
    from fieldkit.tui.today import TodayScreen  # imported when first shown: a lean start

    return TodayScreen()


def _sync_screen() -> Screen[None]:
    from fieldkit.tui.sync_screen import SyncScreen

    return SyncScreen()


class FieldkitApp(App[int]):
    """The laptop app on one store's services.

    ``today``/``now`` are the clock (fixed in tests and snapshots); ``scan_gap``
    is the longest pause between a scanner's keys, in seconds; ``draft_delay`` how
    long a form waits after a change before keeping its draft (0: at once).
    """

    CSS_PATH = "fieldkit.tcss"
    TITLE = "fieldkit"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "show_help", N_("Help")),
        Binding("f2", "switch_mode('today')", N_("Today")),
        Binding("f3", "switch_mode('roster')", N_("Roster")),
        Binding("f4", "new_consultation", N_("Consult"), show=False),
        Binding("f6", "new_activity", N_("Activity"), show=False),
        Binding("f7", "show_activities", N_("Activities"), show=False),
        Binding("f5", "switch_mode('sync')", N_("Sync")),
        Binding("f9", "toggle_theme", N_("Theme"), show=False),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
    ]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {FieldkitCommands}

    DEFAULT_MODE: ClassVar[str] = "roster"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "roster": RosterScreen,
        "today": _today_screen,
        "sync": _sync_screen,
    }

    sync_info: var[SyncLine] = var(SyncLine())

    @dataclass
    class SyncInfoLoaded(Message):
        """Fresh figures for the sync line."""

        info: SyncLine

    @dataclass
    class Started(Message):
        """What the app needs at start, read by a worker."""

        user_name: str
        default_site_id: str | None
        default_site_missing: bool
        drafts: list[Draft]

    def __init__(
        self,
        services: Services,
        *,
        lang: str = "zh",
        config: Config | None = None,
        config_file: Path | None = None,
        clock: Callable[[], datetime] = datetime.now,
        scan_gap: float = 0.05,
        start_mode: str = "roster",
        draft_delay: float = 1.0,
        keep_reports: bool = True,
    ) -> None:
        set_language(lang)
        self.lang = lang
        self.services = services
        self.config = config or Config()
        self.config_file = config_file
        self._clock = clock
        self.scanner = ScanBuffer(max_gap=scan_gap)
        self._held: list[events.Key] = []
        self._held_timer: Timer | None = None
        self.start_mode = start_mode
        self.draft_delay = draft_delay
        self.default_site_id: str | None = None
        self.user_name = ""
        self.ready = False
        """Whether the start information (user, default site) has arrived."""
        self._first_page_seen = False
        self.keep_reports = keep_reports
        """Whether the report's kept rows are brought current in a child process once the
        store is open and after a sync (:meth:`keep_report_rows`)."""
        self._keeper: KeeperProcess | None = None
        self._keeper_lock = threading.Lock()
        self._person_screen: PersonScreen | None = None
        # The first screen: Textual reads DEFAULT_MODE while initialising the app.
        setattr(self, "DEFAULT_MODE", start_mode)  # noqa: B010
        super().__init__()
        translate_bindings(self)
        self.theme = THEMES.get(self.config.theme, "textual-dark")

    # -- clock -----------------------------------------------------------------

    def now(self) -> datetime:
        """The current local time (fixed in tests)."""
        return self._clock()

    def today(self) -> date:
        """Today's date (fixed in tests)."""
        return self._clock().date()

    # -- start -----------------------------------------------------------------

    def on_mount(self) -> None:
        """Read the start information and the sync line in workers.

        A store not opened yet (see :meth:`Services.open`) is opened, and the sync line
        read, once the roster's first page is on screen (:meth:`first_page_shown`):
        loading the store's SQL library beside the first page would delay it.
        """
        self._load_start(self.config.default_site)
        if self.services.opened:
            self.refresh_sync_info()
            if self.start_mode != "roster":  # the roster starts it after its first page
                self.call_after_refresh(self.keep_report_rows)
        elif self.start_mode != "roster":
            self._open_store()
        self.set_timer(2.0, self._warm_up)  # after the first page, not competing with it

    def first_page_shown(self) -> None:
        """The roster's first page is in its table: after this paint, open the store (then
        start the report keeper), or start the keeper if the store is open already."""
        if self._first_page_seen:
            return
        self._first_page_seen = True
        self.call_after_refresh(self.keep_report_rows if self.services.opened else self._open_store)

    @work(thread=True, exit_on_error=False, group="open-store")
    def _open_store(self) -> None:
        """Open the store (SQLAlchemy, the table classes), then read the sync line."""
        self.services.finish_opening()
        self.post_message(self.SyncInfoLoaded(self.services.outbox.sync_line()))
        self.keep_report_rows()

    def on_unmount(self) -> None:
        """The app is closing: what start froze may be collected again (an app made
        after this one in the same process, as in the tests, freezes its own), and the
        report keeper's child is ended (its rows are a cache, stored in one transaction)."""
        gc.unfreeze()
        with self._keeper_lock:
            keeper = self._keeper
        if keeper is not None:
            keeper.stop()

    # -- report keeper ---------------------------------------------------------

    @property
    def report_keeper(self) -> KeeperProcess | None:
        """The report keeper's launcher, once a run was asked for."""
        return self._keeper

    def keep_report_rows(self) -> None:
        """Bring the quarterly report's kept rows current in a child process at a lowered
        priority (:class:`fieldkit.services.keeper_process.KeeperProcess`: one at a time, a
        request meanwhile makes one more run). A failure is logged, never shown."""
        if not self.keep_reports:
            return
        try:
            with self._keeper_lock:
                if self._keeper is None:
                    from fieldkit.services.keeper_process import KeeperProcess

                    self._keeper = KeeperProcess(self.services.path)
                keeper = self._keeper
            keeper.request()
        except Exception:
            log.exception("report keeper: could not start")

    @work(thread=True, exit_on_error=False, group="start")
    def _load_start(self, wanted_site: str | None) -> None:
        """The user's name, the configured default site's id, drafts left unsaved."""
        services = self.services
        site_id = services.roster.site_named(wanted_site) if wanted_site else None
        self.post_message(
            self.Started(
                user_name=services.user_name(),
                default_site_id=site_id,
                default_site_missing=bool(wanted_site) and site_id is None,
                drafts=services.drafts.all(),
            )
        )

    @on(Started)
    def _started(self, message: Started) -> None:
        gc.freeze()  # what start made (modules, styles, widgets): no full collection walks it
        self.user_name = message.user_name
        self.default_site_id = message.default_site_id
        self.ready = True
        if message.default_site_missing:
            self.notify(
                _("Default site {site} from the config is not in this store").format(
                    site=self.config.default_site
                ),
                severity="warning",
            )
        for stack in self._screen_stacks.values():
            for screen in stack:
                if isinstance(screen, FieldScreen) and screen.is_mounted:
                    screen.check_ready()
        self._offer_drafts(list(message.drafts))

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _warm_up(self) -> None:
        """Load the pinyin dictionaries, run one search of each kind (compiled statements,
        index pages read) and import the modules of the first open file or scan, off the
        UI thread; then keep what start made out of the garbage collector's full passes.

        ``gc.freeze`` moves every object alive now (Textual's styles and widgets, the
        dictionaries, SQLAlchemy's compiled statements) to a generation no collection
        walks: a full collection during typing then walks only what typing made.
        """
        services = self.services
        person_id = services.roster.warm_up()  # loads the pinyin dictionaries too
        import_module("fieldkit.tui.person")  # the file screen, before the first open
        if person_id is not None:  # the file's queries, as the first opening runs them
            services.files.get(person_id)
            services.conflicts.open_on(person_id)
        services.cards.last_scan(person_id or "")  # imports the card check too

        gc.freeze()  # no collection first: it would hold the UI thread for a full pass

    # -- drafts ------------------------------------------------------------------

    def _offer_drafts(self, drafts: list[Draft]) -> None:
        """Ask, one at a time, whether to open again what was typed and not saved."""
        if not drafts:
            return
        draft = drafts.pop(0)

        def answer(reopen: bool | None) -> None:
            if reopen:
                self.open_draft(draft)
            else:
                self._drop_draft(draft)
            self._offer_drafts(drafts)

        self.push_screen(
            ConfirmDialog(draft_question(draft), yes=_("Open it"), no=_("Discard")), answer
        )

    def open_draft(self, draft: Draft) -> None:
        """Open the form a draft was typed into (over its person's file), filled with what
        was typed."""
        form = draft_form(draft)
        if form is None:
            return
        if draft.subject:
            self.open_person(draft.subject)
        self.push_screen(form)

    @work(thread=True, exit_on_error=False, group="draft-drop")
    def _drop_draft(self, draft: Draft) -> None:
        self.services.drafts.drop(draft.kind, draft.subject)

    # -- failures ----------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        self.worker_state_changed(event)

    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here: a notice, the screen told, the app alive.

        The app's own workers report here directly; a screen's report to the screen
        (Textual does not bubble them), which hands them on (see :class:`FieldScreen`).
        """
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None:
            self.worker_failed(event.worker, explain(error))

    def worker_failed(self, worker: Worker[Any], error: FieldkitError) -> None:
        """Tell the user what failed and what to do; let the screen undo its busy state."""
        message, hint = describe(error)
        self.notify(
            f"{message}\n{hint}" if hint else message,
            title=_("Not done"),
            severity="error",
            timeout=12,
        )
        node = worker.node
        if isinstance(node, FieldScreen):
            node.worker_failed(error)

    # -- sync line ---------------------------------------------------------------

    @work(thread=True, exit_on_error=False, exclusive=True, group="sync-info")
    def refresh_sync_info(self) -> None:
        """Read the sync line: changes waiting and rejected, the last sync."""
        self.post_message(self.SyncInfoLoaded(self.services.outbox.sync_line()))

    @on(SyncInfoLoaded)
    def _sync_info_loaded(self, message: SyncInfoLoaded) -> None:
        self.sync_info = message.info

    def changed(self) -> None:
        """Something was saved: refresh the sync line and every open screen."""
        self.refresh_sync_info()
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                reload()

    # -- navigation ------------------------------------------------------------

    def open_person(self, person_id: str) -> None:
        """Show a person's file.

        One file screen is kept installed and reused (building a screen's widgets
        and styles costs more than the file's query); a second one is made only
        when that one is already open on a screen stack.
        """
        from fieldkit.tui.person import PersonScreen  # the warm-up imported it after start

        kept = self._person_screen
        if kept is None:
            kept = self._person_screen = PersonScreen(person_id)
            self.install_screen(kept, name="person-file")
            self.push_screen(kept)
        elif any(kept in stack for stack in self._screen_stacks.values()):
            self.push_screen(PersonScreen(person_id))
        else:
            kept.show(person_id)
            self.push_screen(kept)

    def open_visit_form(
        self,
        person_id: str,
        confirmation: Confirmation = Confirmation.NONE,
        *,
        scanned_at: datetime | None = None,
        card_issue: int | None = None,
        task: TaskKind | None = None,
    ) -> None:
        """Open the visit form for a person.

        ``scanned_at`` and ``card_issue``: the card scanned for it (a check-in);
        ``task``: the due task the visit settles.
        """
        from fieldkit.tui.visit_form import VisitForm

        self.push_screen(
            VisitForm(
                person_id,
                confirmation=confirmation,
                scanned_at=scanned_at,
                card_issue=card_issue,
                task=task,
            )
        )

    def open_consultation(self, person_id: str | None = None) -> None:
        """Open the consultation form, for a person or a walk-in."""
        from fieldkit.tui.consultation_form import ConsultationForm

        self.push_screen(ConsultationForm(person_id))

    def open_person_edit(self, person_id: str) -> None:
        """Open the file editor."""
        from fieldkit.tui.person_edit import PersonEditForm

        self.push_screen(PersonEditForm(person_id))

    def open_status_event(self, person_id: str) -> None:
        """Record a status change."""
        from fieldkit.tui.person_edit import StatusEventForm

        self.push_screen(StatusEventForm(person_id))

    def action_add_person(self) -> None:
        """Add a person to the roster (a new retiree, a resident newly found at a site)."""
        from fieldkit.tui.person_add import AddPersonForm

        self.push_screen(AddPersonForm())

    def action_new_consultation(self) -> None:
        """A walk-in consultation."""
        self.open_consultation(None)

    def action_new_activity(self) -> None:
        """Record a service activity."""
        from fieldkit.tui.activity_form import ActivityForm

        self.push_screen(ActivityForm())

    def action_show_activities(self) -> None:
        """The list of past service activities."""
        from fieldkit.tui.activities import ActivitiesScreen

        if not isinstance(self.screen, ActivitiesScreen):
            self.push_screen(ActivitiesScreen())

    async def action_quit(self) -> None:
        """Quit (Ctrl+Q); a form with unsaved input asks first."""
        from fieldkit.tui.forms import FormScreen

        if isinstance(self.screen, FormScreen):
            self.screen.leave_then(self.exit)
        else:
            self.exit()

    async def action_back(self) -> None:
        """Leave the current screen (Esc)."""
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def action_show_help(self) -> None:
        """Every key, on one screen."""
        from fieldkit.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        """Switch light/dark and remember it in the config file."""
        name = "light" if self.theme == THEMES["dark"] else "dark"
        self.theme = THEMES[name]
        self.config = self.config.with_changes(theme=name)
        if self.config_file is not None:
            save_config(self.config, self.config_file)

    def action_command_palette(self) -> None:
        """Ctrl+P: the command palette, in the interface language."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(Palette())

    # -- scanner ---------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Watch every key for a scanner burst before the focused widget gets it.

        Keys that may begin a card payload are held back (they must never land in
        a field) and handed on once the burst turns out to be typing.
        """
        if isinstance(event, events.Key) and not event.is_forwarded:
            if event.key == "enter":
                text = self.scanner.enter(event.time)
                if text is not None:
                    self._held.clear()
                    self._take_scan(text)
                    return
            elif event.character is not None and event.is_printable:
                self.scanner.feed(event.character, event.time)
                held = self.scanner.holds()
                await self._release_held(keep=max(held - 1, 0))
                if held:
                    self._hold(event)
                    return
            else:
                self.scanner.other_key()
            await self._release_held()
        await super().on_event(event)

    def _hold(self, event: events.Key) -> None:
        """Keep a key back until the burst is known to be a scan or typing."""
        self._held.append(event)
        if self._held_timer is not None:
            self._held_timer.stop()
        self._held_timer = self.set_timer(self.scanner.max_gap, self._release_held)

    async def _release_held(self, keep: int = 0) -> None:
        """The burst was typing after all: hand the held keys on, in order (all but the
        last ``keep``, which may still begin a card)."""
        if len(self._held) <= keep:
            return
        if self._held_timer is not None and not keep:
            self._held_timer.stop()
            self._held_timer = None
        cut = len(self._held) - keep
        released, self._held = self._held[:cut], self._held[cut:]
        for key in released:
            await super().on_event(key)

    def _take_scan(self, text: str) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.value.upper().endswith(text):
            focused.value = focused.value[: len(focused.value) - len(text)]
        checkin.take_scan(self, text)

    @on(checkin.CardChecked)
    def _card_checked(self, message: checkin.CardChecked) -> None:
        checkin.card_checked(self, message)

    @on(checkin.CodeFound)
    def _code_found(self, message: checkin.CodeFound) -> None:
        checkin.code_found(self, message)


def run(services: Services, lang: str | None) -> int:
    """Open the app on ``services``; language from ``lang``, the config, then the locale.

    A config file that cannot be used raises :class:`~fieldkit.config.ConfigError`,
    which the command line shows like every error.
    """
    config = load_config()
    chosen = resolve_language(lang, config.language)
    app = FieldkitApp(services, lang=chosen, config=config, config_file=config_path())
    result = app.run()
    return result or 0
