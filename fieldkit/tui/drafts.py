"""Drafts offered back at start: which form each kind of draft opens, and the question asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import Draft
from fieldkit.tui.widgets import format_sync_time

if TYPE_CHECKING:  # the forms are imported when a draft is opened: a lean start
    from fieldkit.tui.forms import FormScreen

__all__ = ["FORM_NAMES", "draft_form", "draft_question"]

FORM_NAMES = {
    "visit": N_("a visit"),
    "consultation": N_("a consultation"),
    "activity": N_("an activity"),
    "person-edit": N_("an edit of a file"),
    "status-event": N_("a status change"),
    "person-add": N_("a new person"),
}
"""Every kind of draft, named for the question (a form's ``DRAFT_KIND``)."""


def _form_class(kind: str) -> type[FormScreen] | None:
    """The form of a draft kind (imported when needed: a lean start)."""
    if kind == "visit":
        from fieldkit.tui.visit_form import VisitForm

        return VisitForm
    if kind == "consultation":
        from fieldkit.tui.consultation_form import ConsultationForm

        return ConsultationForm
    if kind == "activity":
        from fieldkit.tui.activity_form import ActivityForm

        return ActivityForm
    if kind in ("person-edit", "status-event"):
        from fieldkit.tui.person_edit import PersonEditForm, StatusEventForm

        return PersonEditForm if kind == "person-edit" else StatusEventForm
    if kind == "person-add":
        from fieldkit.tui.person_add import AddPersonForm

        return AddPersonForm
    return None


def draft_form(draft: Draft) -> FormScreen | None:
    """The form the draft was typed into, to be filled with its values (None: unknown kind)."""
    cls = _form_class(draft.kind)
    if cls is None:
        return None
    form = cls.from_draft(draft)
    form.restore(draft.values)
    return form


def draft_question(draft: Draft) -> str:
    """Asks whether to open a draft again: what it was, about whom, when typed."""
    what = _(FORM_NAMES.get(draft.kind, draft.kind))
    question = _("What you typed for {what} was not saved ({when}).").format(
        what=what, when=format_sync_time(draft.saved_at)
    )
    if draft.title:
        question += "\n" + draft.title
    return question + "\n" + _("Open it again?")
