"""What the application tells the sync engine about its records.

A :class:`SyncSchema` lists the synced tables (parents first); each
:class:`TableSpec` names the fields that travel, their Python types (used to
validate pushed values) and the scope field that decides which devices receive a
row. Which fields each role may not see is declared with the roles
(:mod:`sync.roles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FieldError", "SyncSchema", "TableSpec"]

_JSON_TYPES: dict[type, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (int, float),
    bool: (bool,),
}


class FieldError(ValueError):
    """A pushed value that does not fit the schema."""


@dataclass(frozen=True)
class TableSpec:
    """One synced table.

    ``fields`` maps each synced field (not ``id``) to its wire type: ``str`` (also
    dates, datetimes and enum slugs, as text), ``int``, ``float`` or ``bool``.
    ``scope_field`` names the field holding the scope key; ``None`` means the row's
    own id is its scope key (a table of scopes). ``nullable`` lists fields that may
    be ``None``. ``delete_field`` is the boolean field that marks a tombstone.
    ``scope_parent`` = ``(field, table)`` says the row belongs wherever the ``table``
    row named by ``field`` belongs (a visit goes with its person): HQ keeps the
    row's scope field equal to the parent's scope, and when the parent moves, its
    children move with it in the same transaction (the old scope's devices drop them).
    """

    name: str
    fields: dict[str, type]
    scope_field: str | None
    nullable: frozenset[str] = frozenset()
    delete_field: str = "deleted"
    scope_parent: tuple[str, str] | None = None

    def scope_of(self, row_id: str, data: dict[str, Any]) -> str | None:
        """The scope key of a row with these values (None if the values lack it)."""
        if self.scope_field is None:
            return row_id
        value = data.get(self.scope_field)
        return value if isinstance(value, str) else None

    def check(self, data: dict[str, Any]) -> None:
        """Raise :class:`FieldError` naming the first field that does not fit."""
        # fast path: this exact set of fields with these exact types passed before
        shape = (tuple(data), tuple(map(type, data.values())))
        passed: set[Any] = self.__dict__.setdefault("_passed_shapes", set())
        if shape in passed:
            return
        exact = self._exact
        for name, value in data.items():
            if type(value) in exact.get(name, ()):
                continue
            self._explain(name, value)
        if len(passed) < 1024:
            passed.add(shape)

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
            raise FieldError(f"{self.name} has no synced field {name!r}")
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
    def order(self) -> dict[str, int]:
        """Position of each table (parents first)."""
        return {t.name: i for i, t in enumerate(self.tables)}
