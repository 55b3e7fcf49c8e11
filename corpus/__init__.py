"""policykg: corpus — the document model, ingestion, and the bundled default corpus.

``BUNDLED_DIR`` is the folder holding the embedded seed documents (``corpus/*.txt``).
"""
from pathlib import Path

BUNDLED_DIR = Path(__file__).parent
