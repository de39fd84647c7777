"""Command group placeholder: filled in by its owner."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this group's commands to the root parser."""
