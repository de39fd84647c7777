"""The headquarters console: web pages for the bureau's admins, served beside the sync API.

``fieldkit serve`` mounts it at ``/console`` (:func:`with_console`). Pages are
rendered on the server (Jinja2, plain forms, no script, every asset served here);
only HQ admins with a console password (``fieldkit admin set-password NAME``) sign
in. It reads the records HQ holds through :mod:`fieldkit.console.records` and keeps
its own tables (sessions, audit, passwords) with their own migrations.
"""

from fieldkit.console.app import create_console_app, with_console
from fieldkit.console.web import ConsoleSettings

__all__ = ["ConsoleSettings", "create_console_app", "with_console"]
