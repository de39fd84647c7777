"""The headquarters server: a FastAPI app over SQLite or PostgreSQL, built from a schema."""

from sync.server.app import ServerSettings, create_app

__all__ = ["ServerSettings", "create_app"]
