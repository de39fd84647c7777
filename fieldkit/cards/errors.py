"""Why a card, a key or a print job is refused: one typed error per reason.

Every error carries a message in the interface language (English msgids,
translated when the message is read) so the TUI, the CLI and the HQ console show
the same words. A scanned text is refused with exactly one of the
:class:`CardRefused` subclasses; its :attr:`CardRefused.problem` names which.
"""

from __future__ import annotations

from enum import StrEnum

from fieldkit.i18n import gettext as _

__all__ = [
    "CardError",
    "CardKeyError",
    "CardPrintError",
    "CardProblem",
    "CardRefused",
    "ForgedCardError",
    "MalformedCardError",
    "NotACardError",
    "OtherCountyCardError",
    "ReplacedCardError",
    "UnknownCardHolderError",
    "UnknownCardKeyError",
    "UnsupportedCardVersionError",
]


class CardProblem(StrEnum):
    """What is wrong with a scanned card, as a stable slug."""

    NOT_A_CARD = "not_a_card"
    MALFORMED = "malformed"
    OTHER_COUNTY = "other_county"
    UNKNOWN_KEY = "unknown_key"
    FORGED = "forged"
    REPLACED = "replaced"
    UNKNOWN_PERSON = "unknown_person"


class CardError(Exception):
    """Base of every error of :mod:`fieldkit.cards`; ``str()`` is the user's message."""


class CardRefused(CardError):
    """A scanned or typed text that is not a valid card of a person on this laptop."""

    problem: CardProblem = CardProblem.MALFORMED


class NotACardError(CardRefused):
    """The text does not start with the card mark: it is no fieldkit card at all."""

    problem = CardProblem.NOT_A_CARD

    def __init__(self) -> None:
        super().__init__(_("Card refused: this is not a fieldkit service card"))


class MalformedCardError(CardRefused):
    """A card mark followed by text of the wrong length or characters (cut short, misread)."""

    problem = CardProblem.MALFORMED

    def __init__(self, detail: str = "") -> None:
        message = _(
            "Card refused: the code is damaged or cut short; scan it again or type "
            "the short code printed under the QR"
        )
        super().__init__(f"{message} ({detail})" if detail else message)
        self.detail = detail


class UnsupportedCardVersionError(MalformedCardError):
    """A card of a payload version this fieldkit does not read (made by a newer one)."""

    def __init__(self, version: str) -> None:
        CardRefused.__init__(
            self,
            _(
                "Card refused: it was made by a newer fieldkit (format {version}); update fieldkit"
            ).format(version=version),
        )
        self.detail = f"version {version}"


class OtherCountyCardError(CardRefused):
    """A card issued by another county's bureau."""

    problem = CardProblem.OTHER_COUNTY

    def __init__(self) -> None:
        super().__init__(_("Card refused: it was issued by another county"))


class UnknownCardKeyError(CardRefused):
    """A card signed with a key this laptop does not hold (not synced yet, or revoked)."""

    problem = CardProblem.UNKNOWN_KEY

    def __init__(self, key_id: int, ring_empty: bool = False) -> None:
        if ring_empty:
            message = _(
                "Card refused: this laptop has no card keys yet; sync with headquarters first"
            )
        else:
            message = _(
                "Card refused: it is signed with key {key_id}, which this laptop does not "
                "know (revoked, or not synced yet); sync with headquarters and scan again"
            ).format(key_id=key_id)
        super().__init__(message)
        self.key_id = key_id


class ForgedCardError(CardRefused):
    """The signature does not match the card's content: altered or forged."""

    problem = CardProblem.FORGED

    def __init__(self) -> None:
        super().__init__(
            _("Card refused: the code was altered or forged (its signature does not match)")
        )


class ReplacedCardError(CardRefused):
    """A genuine card that was replaced by a newer issue (lost card reissued)."""

    problem = CardProblem.REPLACED

    def __init__(self, name: str, issue: int, current: int) -> None:
        super().__init__(
            _("Card refused: {name}'s card no. {issue} was replaced by card no. {current}").format(
                name=name, issue=issue, current=current
            )
        )
        self.issue = issue
        self.current = current


class UnknownCardHolderError(CardRefused):
    """A genuine card of a person who is not on this laptop (other sites, or removed)."""

    problem = CardProblem.UNKNOWN_PERSON

    def __init__(self, person_id: str) -> None:
        super().__init__(
            _(
                "Card refused: the person on this card is not on this laptop "
                "(another site, or removed from the roster)"
            )
        )
        self.person_id = person_id


class CardKeyError(CardError):
    """A key file or key row that cannot be used; the message says which and why."""


class CardPrintError(CardError):
    """A print job that cannot run (no signing key, nobody selected, unwritable output)."""
