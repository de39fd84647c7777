"""Names of a package imported from their modules when first asked for (PEP 562).

A package whose ``__init__`` imports every module it exports loads them all with
its first import. :func:`lazy_exports` gives the package a module ``__getattr__``
that imports a name's module only when the name is first read, so a light module
of the package (or one of its names) can be imported without the heavy ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name of ``homes`` from its module."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(home), name)

    return __getattr__
