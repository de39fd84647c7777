"""A deterministic generator of an invented demo county, small for the demo, large for benchmarks.

``python -m fieldkit.sampledata`` rewrites ``sample_data/``;
``python -m fieldkit.sampledata --persons 100000 --visits 1000000 --store big.db``
fills a store for benchmarks. From code, :func:`generate_store`.
"""

from fieldkit.sampledata.bulk import fill_store, generate_store
from fieldkit.sampledata.county import ANCHOR, DEFAULT_SEED, CountyGenerator

__all__ = ["ANCHOR", "DEFAULT_SEED", "CountyGenerator", "fill_store", "generate_store"]
