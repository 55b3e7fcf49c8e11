"""policykg: ontology files (OWL + SKOS in ``policykg.ttl``, SHACL in ``shapes.ttl``).

>>> ONTOLOGY_TTL.name, SHAPES_TTL.name
('policykg.ttl', 'shapes.ttl')
"""
from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_TTL = ONTOLOGY_DIR / "policykg.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"

