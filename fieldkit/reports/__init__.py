"""The quarterly statistics tables (活动情况统计表): figures, model and files.

- :mod:`.quarter` the quarter and its local-date bounds;
- :mod:`.source` the typed interface the figures are read through, and
  :mod:`.store_source` its implementation over the laptop store (HQ's is
  :mod:`fieldkit.hq.report_source`, over its typed projection);
- :mod:`.rows` the typed rows both sources make of their statements' rows;
- :mod:`.compute` and :mod:`.replay` what each figure means and how it is made, and
  :mod:`.kept` the care-plan figures kept per person and quarter (replayed again only
  for the persons whose records changed);
- :mod:`.model` the report, one dataclass per section;
- :mod:`.tables` the sections as titled tables, written by :mod:`.xlsx`,
  :mod:`.csv_file` and :mod:`.pdf` (:mod:`.output` picks one by suffix);
- :mod:`.cells` the money and hours cells and the CSV formula neutraliser.
"""

from fieldkit.reports.compute import ReportError, build_report, bureau_name
from fieldkit.reports.model import QuarterlyReport
from fieldkit.reports.output import OutputError, write_report
from fieldkit.reports.quarter import Quarter, QuarterError, parse_quarter
from fieldkit.reports.source import ReportSource
from fieldkit.reports.store_source import StoreSource

__all__ = [
    "OutputError",
    "Quarter",
    "QuarterError",
    "QuarterlyReport",
    "ReportError",
    "ReportSource",
    "StoreSource",
    "build_report",
    "bureau_name",
    "parse_quarter",
    "write_report",
]
