"""What the application tells the sync engine about its users' roles.

A :class:`RoleSpec` says whether a role sees every scope key or only the keys
assigned to each user, and which fields of which tables it never receives (and
may not change). The application hands a :class:`Roles` to the server beside
its :class:`sync.schema.SyncSchema`; the engine knows no role by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from sync.schema import SyncSchema

__all__ = ["RoleSpec", "Roles", "UnknownRole"]


class UnknownRole(ValueError):
    """A role name the application does not declare."""


@dataclass(frozen=True, eq=False)
class RoleSpec:
    """One role.

    ``everything``: its users see every scope key (no assigned list); otherwise
    each user holds a list of scope keys and sees only those. ``hidden`` maps a
    table name to the fields this role never receives and may not write: a change
    from this role that puts anything but the field's blank value
    (:meth:`sync.schema.TableSpec.blank`, what its device holds there) in one is
    rejected, naming the field; the blank itself is ignored on a stored row.
    """

    name: str
    everything: bool = False
    hidden: Mapping[str, frozenset[str]] = field(default_factory=dict)
    description: str = ""

    def hidden_in(self, table: str) -> frozenset[str]:
        """The fields of ``table`` this role never receives."""
        return self.hidden.get(table, frozenset())


@dataclass(frozen=True, eq=False)
class Roles:
    """The roles of an application, in the order they are listed to administrators."""

    specs: tuple[RoleSpec, ...]

    def __post_init__(self) -> None:
        names = [r.name for r in self.specs]
        if not names:
            raise ValueError("an application declares at least one role")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate role names: {names}")
        object.__setattr__(self, "_by_name", {r.name: r for r in self.specs})

    def __iter__(self) -> Iterator[RoleSpec]:
        return iter(self.specs)

    @property
    def names(self) -> tuple[str, ...]:
        """The role names, in declaration order."""
        return tuple(r.name for r in self.specs)

    def get(self, name: str) -> RoleSpec | None:
        """The role named ``name``, or None."""
        by_name: dict[str, RoleSpec] = self.__dict__["_by_name"]
        return by_name.get(name)

    def check_against(self, schema: SyncSchema) -> None:
        """Raise ``ValueError`` when a role hides a table or field ``schema`` does not sync."""
        for role in self.specs:
            for table, names in role.hidden.items():
                spec = schema.table(table)
                if spec is None:
                    raise ValueError(f"role {role.name} hides fields of unknown table {table!r}")
                unknown = sorted(set(names) - set(spec.fields))
                if unknown:
                    raise ValueError(f"role {role.name} hides unknown fields {table}.{unknown}")

    def require(self, name: str) -> RoleSpec:
        """The role named ``name``; raises :class:`UnknownRole` naming the known ones."""
        spec = self.get(name)
        if spec is None:
            raise UnknownRole(f"unknown role {name!r}; the roles are {', '.join(self.names)}")
        return spec
