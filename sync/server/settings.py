"""What the application tells the server besides its schema and roles: limits, and its name."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

__all__ = ["AppInfo", "ServerSettings"]


class ServerSettings(BaseModel):
    """Limits of a headquarters server."""

    max_drift_ms: int = 5 * 60 * 1000
    max_batch: int = 5000
    max_body_bytes: int = 32 * 1024 * 1024
    default_page: int = 2000


@dataclass(frozen=True)
class AppInfo:
    """How the application names itself to the people who meet the server.

    ``name`` is the program devices run (an old one is told "please upgrade
    NAME on this device"); ``title`` heads the OpenAPI document.
    """

    name: str
    title: str = "Headquarters sync"
    description: str = "Replication between field devices and headquarters."
