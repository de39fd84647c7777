"""What the application tells the sync engine about its records.

A :class:`SyncSchema` lists the synced tables (parents first); each
:class:`TableSpec` names the fields that travel, their Python types (used to
validate pushed values), the limits of their values, and the scope that decides
which devices receive a row: a scope field, the row's own id, or every device.
A table may be written at headquarters only. Which fields each role may not see
(nor write) is declared with the roles (:mod:`sync.roles`).

Whatever the application declares, a value is refused when a database could
not hold it: an integer outside 64 bits, a float that is not finite, text with
a NUL character.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol import ID_PATTERN

__all__ = [
    "EVERY_DEVICE",
    "INT64_MAX",
    "INT64_MIN",
    "FieldError",
    "FieldLimit",
    "SyncSchema",
    "TableSpec",
]

_JSON_TYPES: dict[type, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (int, float),
    bool: (bool,),
}
_ZERO: dict[type, Any] = {str: "", int: 0, float: 0.0, bool: False}

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_ID = re.compile(ID_PATTERN)

EVERY_DEVICE = "*"
"""The scope key of the rows of a table every device receives (no user holds it)."""


class FieldError(ValueError):
    """A pushed value that does not fit the schema."""


@dataclass(frozen=True)
class FieldLimit:
    """The range a number field may hold (``None``: unbounded on that side, within 64 bits)."""

    minimum: int | float | None = None
    maximum: int | float | None = None

    def check(self, where: str, value: int | float) -> None:
        """Raise :class:`FieldError` naming ``where`` when ``value`` is out of range."""
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"{where} must be at least {self.minimum}, not {value}")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"{where} must be at most {self.maximum}, not {value}")


def _value_fault(value: Any) -> str | None:
    """Why a well-typed value cannot be stored (None when it can)."""
    kind = type(value)
    if kind is str:
        return "contains a NUL character" if "\x00" in value else None
    if kind is int:
        return None if INT64_MIN <= value <= INT64_MAX else "does not fit in 64 bits"
    if kind is float:
        return None if math.isfinite(value) else "is not a finite number"
    return None


@dataclass(frozen=True)
class TableSpec:
    """One synced table.

    ``fields`` maps each synced field (not ``id``) to its wire type: ``str`` (also
    dates, datetimes and enum slugs, as text), ``int``, ``float`` or ``bool``.
    ``scope_field`` names the field holding the scope key; ``None`` means the row's
    own id is its scope key (a table of scopes), unless ``every_device``: then
    every device receives every row, whatever scope keys its user holds (such rows
    are stored under :data:`EVERY_DEVICE`, and only authors who may touch every
    scope write them). ``hq_only``: rows are written at headquarters only, a
    device's change to them is rejected. ``append_only``: a stored row is never
    changed: a change that would alter one is rejected (the same values again are
    accepted, as a replay). ``nullable`` lists fields that may be
    ``None``. ``delete_field`` is the boolean field that marks a tombstone.
    ``scope_parent`` = ``(field, table)`` says the row belongs wherever the ``table``
    row named by ``field`` belongs (a visit goes with its person): HQ keeps the
    row's scope field equal to the parent's scope, and when the parent moves, its
    children move with it in the same transaction (the old scope's devices drop them).
    ``limits`` bounds number fields (:class:`FieldLimit`). ``defaults`` gives the
    value a field holds when nothing set it (otherwise ``None`` for a nullable
    field, else the type's zero): a device whose role may not see a field holds
    that value there, and may send nothing else in it.
    """

    name: str
    fields: dict[str, type]
    scope_field: str | None
    nullable: frozenset[str] = frozenset()
    delete_field: str = "deleted"
    scope_parent: tuple[str, str] | None = None
    every_device: bool = False
    hq_only: bool = False
    append_only: bool = False
    limits: Mapping[str, FieldLimit] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def scope_of(self, row_id: str, data: dict[str, Any]) -> str | None:
        """The scope key of a row with these values (None if the values lack it)."""
        if self.every_device:
            return EVERY_DEVICE
        if self.scope_field is None:
            return row_id
        value = data.get(self.scope_field)
        return value if isinstance(value, str) else None

    def blank(self, name: str) -> Any:
        """The value field ``name`` holds when nothing set it."""
        if name in self.defaults:
            return self.defaults[name]
        if name in self.nullable:
            return None
        return _ZERO.get(self.fields.get(name, str))

    def check(self, data: dict[str, Any]) -> None:
        """Raise :class:`FieldError` naming the first field that does not fit."""
        # fast path: this exact set of fields with these exact types passed before
        shape = (tuple(data), tuple(map(type, data.values())))
        passed: set[Any] = self.__dict__.setdefault("_passed_shapes", set())
        if shape not in passed:
            exact = self._exact
            for name, value in data.items():
                if type(value) in exact.get(name, ()):
                    continue
                self._explain(name, value)
            if len(passed) < 1024:
                passed.add(shape)
        self._check_values(data)

    def _check_values(self, data: dict[str, Any]) -> None:
        """Every value fits a database and the field's limits; keys are ids."""
        limits = self.limits
        for name, value in data.items():
            fault = _value_fault(value)
            if fault is not None:
                raise FieldError(f"{self.name}.{name} {fault}")
            limit = limits.get(name)
            if limit is not None and value is not None:
                limit.check(f"{self.name}.{name}", value)
        for name in self._keys:
            value = data.get(name)
            if isinstance(value, str) and _ID.fullmatch(value) is None:
                raise FieldError(
                    f"{self.name}.{name} must be an id (1 to 64 characters, no control characters)"
                )

    @property
    def _keys(self) -> tuple[str, ...]:
        """The fields that hold ids HQ keeps in its own columns (scope and scope parent)."""
        keys = (self.scope_field, self.scope_parent[0] if self.scope_parent else None)
        return tuple(k for k in keys if k is not None)

    @property
    def _exact(self) -> dict[str, frozenset[type]]:
        cached: dict[str, frozenset[type]] | None = self.__dict__.get("_exact_cache")
        if cached is None:
            cached = {
                name: frozenset(_JSON_TYPES.get(kind, (kind,)))
                | (frozenset({type(None)}) if name in self.nullable else frozenset())
                for name, kind in self.fields.items()
            }
            object.__setattr__(self, "_exact_cache", cached)
        return cached

    def _explain(self, name: str, value: Any) -> None:
        kind = self.fields.get(name)
        if kind is None:
            raise FieldError(f"{self.name} has no synced field {name[:64]!r}")
        if value is None:
            if name not in self.nullable:
                raise FieldError(f"{self.name}.{name} may not be empty (null)")
            return
        allowed = _JSON_TYPES.get(kind, (kind,))
        if kind is not bool and isinstance(value, bool):
            raise FieldError(f"{self.name}.{name} must be {kind.__name__}, not a boolean")
        if not isinstance(value, allowed):
            raise FieldError(
                f"{self.name}.{name} must be {kind.__name__}, not {type(value).__name__}"
            )


@dataclass(frozen=True)
class SyncSchema:
    """The synced tables of an application, parents before children, and a version.

    ``version`` changes whenever the set of tables or fields changes; a device with
    another version is told to upgrade.
    """

    version: str
    tables: tuple[TableSpec, ...]

    def __post_init__(self) -> None:
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate table names in sync schema: {names}")
        for at, spec in enumerate(self.tables):
            if spec.scope_parent is None:
                continue
            link, parent = spec.scope_parent
            if link not in spec.fields or spec.scope_field is None:
                raise ValueError(f"{spec.name}.scope_parent: {link!r} must be a synced field")
            if parent not in names[:at]:
                raise ValueError(f"{spec.name}.scope_parent: {parent!r} must be listed before it")
        for spec in self.tables:
            if spec.every_device and (spec.scope_field is not None or spec.scope_parent):
                raise ValueError(f"{spec.name}: a table for every device has no scope field")
            unknown = sorted((set(spec.limits) | set(spec.defaults)) - set(spec.fields))
            if unknown:
                raise ValueError(f"{spec.name}: limits or defaults of unknown fields {unknown}")

    def children(self, name: str) -> tuple[TableSpec, ...]:
        """The tables whose scope follows a row of table ``name``."""
        return tuple(
            t for t in self.tables if t.scope_parent is not None and t.scope_parent[1] == name
        )

    def table(self, name: str) -> TableSpec | None:
        """The spec of table ``name``, or None if it is not synced."""
        by_name: dict[str, TableSpec] | None = self.__dict__.get("_by_name")
        if by_name is None:
            by_name = {spec.name: spec for spec in self.tables}
            object.__setattr__(self, "_by_name", by_name)
        return by_name.get(name)

    @property
    def scope_tables(self) -> tuple[TableSpec, ...]:
        """The tables whose rows are scope keys (each row its own scope)."""
        return tuple(t for t in self.tables if t.scope_field is None and not t.every_device)

    @property
    def order(self) -> dict[str, int]:
        """Position of each table (parents first)."""
        return {t.name: i for i, t in enumerate(self.tables)}
