"""The replication engine between field laptops and headquarters.

Generic over record types: the application hands it a :class:`sync.schema.SyncSchema`.
This package never imports the application.
"""

PROTOCOL_VERSION = 1
"""Version of the wire protocol; a client with another version is told to upgrade."""
