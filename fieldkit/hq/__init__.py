"""Headquarters as fieldkit runs it, on top of the generic sync server.

- :mod:`.database` opening the HQ database with every migration (the sync
  server's and fieldkit's own);
- :mod:`.writes` changes made at HQ (sites, the roster), merged like pushed ones
  and kept in the projection;
- :mod:`.records` reading synced records at HQ;
- :mod:`.sites` listing, adding and renaming sites, and naming them for ``add-user``;
- :mod:`.roster` loading a bureau roster straight into HQ;
- :mod:`.first_run` what ``fieldkit serve`` tells an HQ nobody set up yet;
- :mod:`.serving` the server's settings with fieldkit's hook;
- :mod:`.projection` the typed tables the quarterly report reads at HQ, and
  :mod:`.report_source` the report's source over them.
"""
