"""The SPARQL endpoint's default limits, in a module without the query machinery: the CLI's
argument defaults read them without importing pyoxigraph (:mod:`kg.sparql` re-exports them)."""
from __future__ import annotations

DEFAULT_TIMEOUT = 10.0  # seconds a query may run
DEFAULT_ROW_CAP = 100_000  # solutions or triples a result may hold
MAX_QUERY_CHARS = 100_000
MAX_NESTING = 64  # brackets { ( [ open at once; real queries stay below 15
