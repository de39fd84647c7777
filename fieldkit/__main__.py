"""``python -m fieldkit`` runs the command line."""

from fieldkit.cli.main import main

raise SystemExit(main())
