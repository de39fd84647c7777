"""The headquarters server: a FastAPI app over SQLite or PostgreSQL, built from what the
application declares (schema, roles, name)."""

from sync.server.app import create_app
from sync.server.settings import AppInfo, ServerSettings

__all__ = ["AppInfo", "ServerSettings", "create_app"]
