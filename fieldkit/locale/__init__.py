"""gettext catalogs of the interface (see :mod:`fieldkit.i18n`)."""
