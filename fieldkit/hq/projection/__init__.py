"""HQ's typed projection of the synced records, read by the quarterly tables.

- :mod:`.tables` the tables and what they hold;
- :mod:`.rows` a record's wire values as a typed row;
- :mod:`.keep` the hook that keeps them current inside every write's transaction;
- :mod:`.kept` the care-plan figures reports keep per person and quarter, and the
  persons' versions the hook raises;
- :mod:`.rebuild` refilling them from ``sync_record``;
- :mod:`.migrate` their Alembic migrations (version table ``fieldkit_hq_alembic_version``).
"""

from fieldkit.hq.projection.keep import keep_current
from fieldkit.hq.projection.migrate import migrate_projection
from fieldkit.hq.projection.rebuild import rebuild_projection

__all__ = ["keep_current", "migrate_projection", "rebuild_projection"]
