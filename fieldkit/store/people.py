"""A person's identity on file: ID-card numbers and phones checked, new persons and their codes.

Every write of a person's ID number or phone goes through :func:`checked_identity`
(or :func:`checked_phone`) inside the write transaction, so the duplicate check
and the write see the same store: an ID number is held by one live person only.
The checks themselves are the domain's (:mod:`fieldkit.domain.identity`); here
their refusals become :class:`PersonRefused` errors naming the field at fault.

A new person (:func:`add_person`) gets the next code of the store's scheme
(``GL-0042``: the prefix most codes share, the number one above the highest, at
least four digits), like the demo county and the bureaus' spreadsheets.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, cast, func, literal
from sqlmodel import Session, col, select

from fieldkit.domain.identity import IdentityError, check_id_number, check_phone
from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Category, Sex
from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store.store import Store

__all__ = [
    "DEFAULT_CODE_PREFIX",
    "IdHolder",
    "NewPerson",
    "PersonRefused",
    "add_person",
    "checked_identity",
    "checked_phone",
    "id_number_holder",
    "next_person_code",
]

DEFAULT_CODE_PREFIX = "GL"
"""The code prefix of a store that holds no coded person yet."""

_ID_HINT = N_("Check the number on the person's ID card (身份证).")
_PHONE_HINT = N_("Write a mobile as 11 digits, or a landline with its area code.")


class PersonRefused(FieldkitError):
    """A person's file that cannot be saved as given; ``field`` names the input at fault."""


@dataclass(frozen=True)
class NewPerson:
    """A person added on a laptop: a new retiree, a resident newly found at a site."""

    name: str
    site_id: str
    category: Category
    sex: Sex
    birth_date: date | None = None
    id_number: str = ""
    phone: str = ""
    address: str = ""


def _refused(field: str, err: IdentityError, hint: str) -> PersonRefused:
    """The domain's refusal of an identifier, as an error at ``field``."""
    return PersonRefused(err.msgid, hint=hint, field=field, values=err.params)


@dataclass(frozen=True)
class IdHolder:
    """The person whose file holds an ID number."""

    id: str
    name: str
    code: str


def id_number_holder(s: Session, number: str, *, other_than: str = "") -> IdHolder | None:
    """The live person (other than ``other_than``) whose file holds ID number ``number``."""
    query = select(Person.id, Person.name, Person.code).where(
        col(Person.id_number) == number,
        col(Person.deleted) == literal(False),
        col(Person.id) != other_than,
    )
    found = s.exec(query.limit(1)).first()
    return IdHolder(*found) if found is not None else None


def checked_identity(
    s: Session,
    *,
    person_id: str,
    name: str,
    code: str,
    id_number: str,
    birth_date: date | None,
) -> str:
    """The normalised ID number a person's file may hold, or :class:`PersonRefused`.

    Refused: a number that is not a resident number (GB 11643 check character), one
    whose birth date is not the person's, and one already in another live person's
    file (both persons are named).
    """
    try:
        number = check_id_number(id_number, birth_date)
    except IdentityError as err:
        raise _refused("id_number", err, _ID_HINT) from None
    if not number:
        return ""
    holder = id_number_holder(s, number, other_than=person_id)
    if holder is not None:
        raise PersonRefused(
            N_(
                "ID number {number} is already in the file of {holder} ({holder_code}); "
                "it cannot also be in the file of {name} ({code})"
            ),
            hint=N_(
                "One of the two numbers is mistyped, or the two files are the same person: "
                "check the ID card."
            ),
            field="id_number",
            number=number,
            holder=holder.name,
            holder_code=holder.code,
            name=name,
            code=code or "—",  # a person being added has no code yet
        )
    return number


def checked_phone(raw: str, *, field: str = "phone") -> str:
    """The normalised phone (mobile or landline with its area code), or :class:`PersonRefused`."""
    try:
        return check_phone(raw)
    except IdentityError as err:
        raise _refused(field, err, _PHONE_HINT) from None


_DIGITS = re.compile(r"\d*")

_PREFIX_SAMPLE = 500
"""How many of the highest codes name the scheme's prefix (read from the code index)."""


def _code_prefix(s: Session) -> str:
    """The prefix most of the highest codes share (``GL`` of ``GL-0042``)."""
    top = s.exec(select(Person.code).order_by(col(Person.code).desc()).limit(_PREFIX_SAMPLE))
    prefixes = Counter(code.split("-", 1)[0] for code in top if "-" in code[1:])
    if not prefixes:
        return DEFAULT_CODE_PREFIX
    return min(prefixes.items(), key=lambda item: (-item[1], item[0]))[0]


def next_person_code(s: Session) -> str:
    """The next code of the store's scheme: ``GL-0042`` after ``GL-0041``.

    The number is one above the highest of the prefix's codes (compared as numbers:
    ``GL-10000`` is above ``GL-9999``), padded like it and to at least four digits;
    a code already taken (a renumbered or dodged one) moves it on.
    """
    prefix = _code_prefix(s)
    tail = func.substr(col(Person.code), len(prefix) + 2)
    within = (col(Person.code) > f"{prefix}-", col(Person.code) < f"{prefix}.")
    highest = s.exec(
        select(Person.code).where(*within).order_by(cast(tail, Integer).desc()).limit(1)
    ).first()
    found = _DIGITS.match(highest[len(prefix) + 1 :]) if highest else None
    digits = found.group() if found else ""
    number, width = int(digits or 0) + 1, max(4, len(digits))
    while _code_taken(s, f"{prefix}-{number:0{width}d}"):
        number += 1
    return f"{prefix}-{number:0{width}d}"


def _code_taken(s: Session, code: str) -> bool:
    return s.exec(select(Person.id).where(col(Person.code) == code)).first() is not None


def add_person(store: Store, data: NewPerson, *, today: date | None = None) -> Person:
    """Save a new person with the next code, in one transaction with its outbox entry.

    Raises :class:`PersonRefused` naming the field at fault: an empty name, a birth
    date in the future, an unknown site, a wrong ID number or phone.
    """
    name = data.name.strip()
    if not name:
        raise PersonRefused(N_("The name cannot be empty"), field="name")
    if data.birth_date is not None and data.birth_date > (today or date.today()):
        raise PersonRefused(N_("The birth date cannot be in the future"), field="birth_date")
    phone = checked_phone(data.phone)
    with store.write() as s:
        site = s.get(Site, data.site_id)
        if site is None or site.deleted:
            raise PersonRefused(
                N_("No site has the id {site_id}"), field="site", site_id=data.site_id
            )
        number = checked_identity(
            s,
            person_id="",
            name=name,
            code="",
            id_number=data.id_number,
            birth_date=data.birth_date,
        )
        person = Person(
            code=next_person_code(s),
            name=name,
            sex=data.sex,
            birth_date=data.birth_date,
            category=data.category,
            site_id=site.id,
            address=data.address.strip(),
            phone=phone,
            id_number=number,
        )
        s.add(person)
    return person
