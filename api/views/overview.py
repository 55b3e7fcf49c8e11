r"""The corpus at a glance (the home page): documents by level and year, the concepts most
documents share, and example questions for search, precedent, concept, cascade and SPARQL that are
read from the served data (never a fixed list), so each one has an answer on this corpus.

>>> docs = [{"id": "a", "level": "county", "year": 2022}, {"id": "b", "level": "county", "year": None},
...         {"id": "c", "level": "township", "year": 2023}]
>>> g = level_year_grid(docs)
>>> g["years"], [(r["level"], r["counts"], r["undated"], r["total"]) for r in g["rows"]]
([2022, 2023], [('county', [1, 0], 1, 2), ('township', [0, 1], 0, 1)])
>>> print(sparql_literal('say "x"'))
"say \"x\""@zh
"""
from __future__ import annotations

from collections import Counter

from corpus.model import LEVELS

CONCEPT_TYPES = ("slogan", "program", "indicator", "brand")
TOP_CONCEPTS = 12
MAX_EXAMPLE_CHARS = 120  # a precedent example is one sentence of at most this length


def level_year_grid(documents: list[dict]) -> dict:
    """Document counts per level (central first) and year, with the undated ones apart."""
    years = sorted({d["year"] for d in documents if d.get("year")})
    rows = []
    for lv in [*LEVELS, None]:
        docs = [d for d in documents if d.get("level") == lv or (lv is None and d.get("level") not in LEVELS)]
        if not docs:
            continue
        per_year = Counter(d.get("year") for d in docs)
        rows.append({"level": lv, "counts": [per_year[y] for y in years], "undated": per_year[None],
                     "total": len(docs)})
    return {"years": years, "rows": rows, "total": len(documents),
            "undated": sum(1 for d in documents if not d.get("year"))}


def top_concepts(entities: list[dict], n: int = TOP_CONCEPTS) -> list[dict]:
    """The slogans, programs, indicators and brands named in the most documents (then mentions)."""
    pool = [e for e in entities if e["type"] in CONCEPT_TYPES]
    pool.sort(key=lambda e: (-e["n_documents"], -e["n_mentions"], e["name"]))
    return pool[:n]


def sparql_literal(text: str) -> str:
    """``text`` as a SPARQL string literal tagged ``@zh`` (quotes and backslashes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@zh'


def indicator_query(name: str) -> str:
    """A SELECT of every target of the indicator labelled ``name``, with its document and year."""
    return f"""# Targets of {name} in every document
PREFIX pk: <https://w3id.org/policykg/ont#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?title ?valueText ?year WHERE {{
  ?indicator a pk:Indicator ; skos:prefLabel|skos:altLabel {sparql_literal(name)} .
  ?target a pk:Target ; pk:indicator ?indicator ; pk:valueText ?valueText ; pk:statedIn ?provision .
  ?provision pk:inDocument ?doc .
  ?doc eli:title ?title .
  OPTIONAL {{ ?target pk:targetYear ?year }}
}}
ORDER BY ?title ?year
"""


LEVELS_QUERY = """# Documents per administrative level
PREFIX pk: <https://w3id.org/policykg/ont#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?level (COUNT(DISTINCT ?doc) AS ?documents) WHERE {
  ?doc a pk:PolicyDocument ; pk:inCorpus true ; pk:level ?lv .
  ?lv skos:prefLabel ?level . FILTER (lang(?level) = "zh")
}
GROUP BY ?level
ORDER BY DESC(?documents)
"""


def _precedent_example(targets: list[dict], shared: set[str]) -> str | None:
    """A sentence stating a target of an indicator several documents share (lowest level first)."""
    def rank(t: dict) -> tuple:
        lv = t.get("level")
        return (t.get("indicator_id") not in shared, -(LEVELS.index(lv) if lv in LEVELS else -1),
                len(t.get("sentence") or ""))

    for t in sorted(targets, key=rank):
        s = (t.get("sentence") or "").strip()
        if 8 <= len(s) <= MAX_EXAMPLE_CHARS:
            return s
    return None


def examples(entities: list[dict], targets: list[dict], pairs: list[dict]) -> dict:
    """Example questions with an answer on this corpus: ``search`` (names many documents use),
    ``concept``, ``precedent`` (a target sentence), ``cascade`` (upper → lower pairs linked by
    citation or inference) and ``sparql`` (``{title, query}``)."""
    concepts = top_concepts(entities, n=50)
    named = [e for e in concepts if e["type"] in ("slogan", "program", "brand")]
    indicators = [e for e in concepts if e["type"] == "indicator"]
    with_targets = Counter(t.get("indicator_id") for t in targets)
    measured = [e for e in indicators if with_targets[e["id"]]]
    search = [e["name"] for e in (named[:2] + indicators[:1])]
    shared = {e["id"] for e in measured if e["n_documents"] > 1}
    sparql = [{"title": "levels", "query": LEVELS_QUERY}]
    if measured:
        sparql.insert(0, {"title": "indicator", "name": measured[0]["name"], "query": indicator_query(measured[0]["name"])})
    return {
        "search": search,
        "concept": [e["name"] for e in named[:1] + measured[:1]],
        "precedent": _precedent_example(targets, shared),
        "cascade": pairs[:3],
        "sparql": sparql,
    }
