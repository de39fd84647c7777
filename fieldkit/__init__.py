"""fieldkit: the offline field tool of a retired-cadre bureau, and its headquarters."""

__version__ = "0.1.0"
