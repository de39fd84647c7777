"""The ``fieldkit`` command line, one module per command group."""
