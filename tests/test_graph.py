"""Records → RDF on the bundled corpus: documents, provisions, provenance, shared nodes, links."""
from __future__ import annotations

import pytest

from graph_support import graph_inputs
from kg import iris
from kg.graph import document_iri_of, document_quads, title_core
from kg.store import Store


@pytest.fixture(scope="module")
def env(corpus_docs):
    docs, extraction = graph_inputs(corpus_docs)
    doc_iris = {d.id: document_iri_of(d) for d in docs}
    store = Store()
    store.load_documents((d.id, document_quads(d, extraction.get(d.id), doc_iris)) for d in docs)
    return {"docs": docs, "ext": extraction, "iris": doc_iris, "store": store}



def test_each_document_in_its_own_named_graph(env):
    for d in env["docs"]:
        quads = document_quads(d, env["ext"].get(d.id), env["iris"])
        own = [q for q in quads if q.graph_name.value == iris.document_graph(d.id)]
        rest = [q for q in quads if q.graph_name.value == iris.contribution_graph(d.id)]
        assert own and len(own) + len(rest) == len(quads)
        base = env["iris"][d.id]
        assert all(q.subject.value == base or q.subject.value.startswith(base + "/") for q in own)
        assert not any(q.subject.value.startswith(base + "/") for q in rest)
    assert env["store"].document_ids() == sorted(d.id for d in env["docs"])


def test_no_triple_in_two_visible_graphs(env):
    """The union default graph is not de-duplicated, so each triple must live in one graph."""
    seen = {}
    for q in env["store"].quads():
        t = (q.subject, q.predicate, q.object)
        assert seen.setdefault(t, q.graph_name) == q.graph_name, t
    rows = [str(r) for r in env["store"].query("SELECT ?i ?l WHERE { ?i a pk:Indicator ; skos:prefLabel ?l }")]
    assert rows and len(rows) == len(set(rows))


def test_corpus_documents_have_source_file_and_in_corpus(env):
    store = env["store"]
    for d in env["docs"]:
        iri = env["iris"][d.id]
        res = list(store.query(f"SELECT ?f ?c ?t WHERE {{ <{iri}> pk:sourceFile ?f ; pk:inCorpus ?c ; eli:title ?t }}"))
        assert [(r["f"].value, r["c"].value) for r in res] == [(d.source, "true")]
        assert res[0]["t"].value == d.title


def test_document_with_number_gets_eli_iri(env):
    for d in env["docs"]:
        if d.doc_number:
            code, year, seq = iris.parse_number(d.doc_number)
            assert env["iris"][d.id].endswith(f"/{code}/{year}/{seq}")


def test_every_provision_and_sentence_carries_offsets_into_text(env):
    store = env["store"]
    for d in env["docs"]:
        iri = env["iris"][d.id]
        res = store.query(f"""SELECT ?t ?a ?b WHERE {{ ?s a pk:Sentence ; pk:inDocument <{iri}> ;
                              pk:text ?t ; pk:charStart ?a ; pk:charEnd ?b }}""")
        n = 0
        for r in res:
            assert d.text[int(r["a"].value):int(r["b"].value)] == r["t"].value
            n += 1
        assert n == len(d.sentences())


def test_provision_chains_end_at_their_document(env):
    store = env["store"]
    res = store.query("""SELECT ?p ?doc ?top WHERE { ?p a pk:Provision ; pk:inDocument ?doc .
        ?p eli:is_part_of+ ?top . ?top a pk:PolicyDocument }""")
    tops = {(r["p"].value, r["top"].value) for r in res}
    provisions = {r["p"].value for r in store.query("SELECT ?p WHERE { ?p a pk:Provision }")}
    assert {p for p, _ in tops} == provisions
    assert all(top == next(iter(store.query(f"SELECT ?d WHERE {{ <{p}> pk:inDocument ?d }}")))["d"].value
               for p, top in tops)


def test_targets_have_provenance_and_exact_quotes(env):
    store = env["store"]
    n_targets = sum(len(e.targets) for e in env["ext"].values())
    res = list(store.query("""SELECT ?t ?stext ?exact ?start ?end WHERE { ?t a pk:Target ;
        prov:wasDerivedFrom ?s ; oa:hasSelector ?sel . ?s a pk:Sentence ; pk:text ?stext .
        ?sel oa:exact ?exact ; oa:start ?start ; oa:end ?end }"""))
    assert len(res) == n_targets > 0
    texts = {d.id: d.text for d in env["docs"]}
    alltext = "".join(texts.values())
    for r in res:
        assert r["exact"].value in r["stext"].value
        assert r["exact"].value in alltext


def test_a_target_stated_in_text_and_table_is_one_node_with_each_statement(env):
    """The plan's goal paragraph, its indicator table and its tasks state one goal: one pk:Target,
    each further statement a pk:TargetStatement with its provision, sentence and exact quote."""
    store = env["store"]
    n_also = sum(len(t.also_stated) for e in env["ext"].values() for t in e.targets)
    res = list(store.query("""SELECT ?t ?p ?stext ?exact WHERE { ?t a pk:Target ; pk:alsoStatedAs ?st .
        ?st a pk:TargetStatement ; pk:statedIn ?p ; prov:wasDerivedFrom ?s ; oa:hasSelector ?sel ;
            pk:valueText ?vt ; pk:comparator ?c .
        ?s a pk:Sentence ; pk:text ?stext . ?sel oa:exact ?exact }"""))
    assert len(res) == n_also > 0
    for r in res:
        assert r["exact"].value in r["stext"].value
    water = list(store.query("""SELECT ?t (COUNT(?st) AS ?n) WHERE { ?t a pk:Target ; pk:indicator ?i ;
        pk:alsoStatedAs ?st . ?i skos:prefLabel "农村自来水普及率"@zh } GROUP BY ?t"""))
    assert [int(r["n"].value) for r in water] == [2]  # 002: table row + 主要目标 + 第四章 task


def test_one_node_per_entity_across_documents(env):
    store = env["store"]
    docs_of: dict[str, set[str]] = {}
    for ext in env["ext"].values():
        for e in ext.entities:
            docs_of.setdefault(e.id, set()).add(ext.doc_id)
    shared = [i for i, ds in docs_of.items() if len(ds) > 1]
    assert shared
    for i in shared:  # one node, mentioned from several documents
        node = iris.entity_iri(i)
        assert len(list(store.query(f"SELECT ?t WHERE {{ <{node}> a ?t }}"))) == 1
        graphs = {r["g"].value for r in store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p <{node}> }} }}")}
        assert graphs, i


def test_slogan_items_have_explicit_positions(env):
    store = env["store"]
    for ext in env["ext"].values():
        for s in ext.slogans:
            if not s.components:
                continue
            res = store.query(f"""SELECT ?pos ?label WHERE {{ ?s pk:sameSloganAs <{iris.entity_iri(s.slogan_id)}> ;
                pk:definedIn ?p ; pk:item ?i . ?p pk:inDocument ?d . ?d pk:docId "{s.doc_id}" .
                ?i pk:position ?pos ; skos:prefLabel ?label }} ORDER BY ?pos""")
            got = [r["label"].value for r in res]
            assert got[: len(s.components)] == s.components or set(s.components) <= set(got)


def test_out_of_corpus_documents_are_described(env):
    store = env["store"]
    cited = [c for d in env["docs"] for c in d.cites if c.number and not c.resolved_doc_id]
    assert cited
    for c in cited:
        res = list(store.query(f"""SELECT ?d ?in WHERE {{ ?d eli:id_local "{iris.normalise_number(c.number)}" ;
                                   pk:inCorpus ?in ; eli:title ?t }}"""))
        assert res and {r["in"].value for r in res} <= {"false", "true"}


def test_cascade_chain_from_town_document_reaches_central(env):
    """000 applies a county document that is not in the corpus; its title equals the provincial
    implementation opinion's apart from the issuer, so the chain continues to the central document."""
    store = env["store"]
    town = next(d for d in env["docs"] if d.level == "township" and any(c.relation == "applies" and c.number
                                                                          for c in d.cites))
    iri = env["iris"][town.id]
    res = store.query(f"""SELECT ?above ?level WHERE {{ <{iri}> (eli:applies|eli:based_on)+ ?above .
                          ?above pk:level ?level }}""")
    levels = {r["level"].value.rsplit("_", 1)[-1] for r in res}
    assert {"county", "provincial", "central"} <= levels
    inferred = list(store.query(f"SELECT ?a ?b WHERE {{ GRAPH <{iris.INFERRED_GRAPH}> {{ ?a eli:applies ?b }} }}"))
    assert inferred
    for r in inferred:  # every inferred link joins documents with the same title apart from the issuer
        ta = {x["t"].value for x in store.query(f"SELECT ?t WHERE {{ <{r['a'].value}> eli:title ?t }}")}
        tb = {x["t"].value for x in store.query(f"SELECT ?t WHERE {{ <{r['b'].value}> eli:title ?t }}")}
        assert {title_core(t) for t in ta} & {title_core(t) for t in tb}


def test_cited_documents_carry_their_jurisdiction_and_inferred_links_stay_inside_it(env):
    """A document known only from a citation gets the division its issuer names (垫江委发 → 垫江县);
    an inferred link goes up only to a document whose jurisdiction covers the lower one's."""
    from kg.gazetteer import Gazetteer

    store, gaz = env["store"], Gazetteer.load()
    res = store.query("""SELECT ?code WHERE { ?d pk:inCorpus false ; eli:id_local ?n ; eli:jurisdiction ?p .
                         ?p pk:adminCode ?code . FILTER(STRSTARTS(?n, "垫江委发")) }""")
    assert [gaz.get(r["code"].value).name for r in res] == ["垫江县"]
    links = store.query(f"""SELECT ?lv ?ca ?cb WHERE {{ GRAPH <{iris.INFERRED_GRAPH}> {{ ?a eli:applies ?b }}
                           ?b pk:level ?lv . OPTIONAL {{ ?a eli:jurisdiction/pk:adminCode ?ca }}
                           OPTIONAL {{ ?b eli:jurisdiction/pk:adminCode ?cb }} }}""")
    rows = list(links)
    assert rows
    for r in rows:
        if r["lv"].value.endswith("level_central"):
            continue
        ca, cb = r["ca"].value, r["cb"].value
        assert ca == cb or gaz.contains(cb, ca)


def test_places_graph_contains_jurisdictions_up_to_province(env):
    from kg.gazetteer import Gazetteer

    store = env["store"]
    gaz = Gazetteer.load()
    res = store.query("SELECT DISTINCT ?code WHERE { ?d eli:jurisdiction ?p . ?p pk:adminCode ?code }")
    codes = [r["code"].value for r in res]
    assert codes
    for code in codes:
        chain = [r["c"].value for r in store.query(
            f'SELECT ?c WHERE {{ ?p pk:adminCode "{code}" ; pk:withinAdmin+ ?x . ?x pk:adminCode ?c }}')]
        assert sorted(chain) == sorted(a.code for a in gaz.ancestors(code))


def test_inferred_links_match_the_rule_read_literally():
    """The indexed inference gives what the rule says, checked pair by pair on random documents
    over a small place tree (a province, two prefectures, a county in each, unknown places) and
    four dates (or none)."""
    import random

    from kg.graph import LEVEL_RANK, inferred_quads

    tree = {"p/a": ["p"], "p/b": ["p"], "p/a/1": ["p/a"], "p/b/1": ["p/b"]}
    up = {"p": set(), "p/a": {"p"}, "p/b": {"p"}, "p/a/1": {"p/a", "p"}, "p/b/1": {"p/b", "p"}}
    rng = random.Random(7)
    places = [None, "p", "p/a", "p/b", "p/a/1", "p/b/1"]
    docs = [{"iri": f"http://x/{i}", "title": rng.choice(["甲县关于推进乡村振兴的实施意见", "关于推进乡村振兴的实施意见",
                                                          "乙关于加快科技服务业发展的意见"]),
             "level": rng.choice(list(LEVEL_RANK)[:5]), "place": rng.choice(places),
             "date": rng.choice([None, "2023-05-01", "2024-01-31", "2024-03-05", "2025-02-01"])} for i in range(80)]
    stated = {("http://x/3", "http://x/4")}

    def covers(h, lo):
        return h["level"] == "central" or bool(h["place"] and lo["place"]) and (
            h["place"] == lo["place"] or h["place"] in up[lo["place"]])

    def year(d):
        return int(d["date"][:4]) if d["date"] else None

    expected = set()
    for lo in docs:
        higher = [h for h in docs if title_core(h["title"]) == title_core(lo["title"])
                  and LEVEL_RANK[h["level"]] < LEVEL_RANK[lo["level"]] and covers(h, lo)
                  and not (year(lo) and year(h) and year(h) > year(lo))]
        if higher:
            nearest = max(LEVEL_RANK[h["level"]] for h in higher)
            higher = [h for h in higher if LEVEL_RANK[h["level"]] == nearest]
            years = [year(h) for h in higher if year(h)]
            latest = max(years) if year(lo) and years else None
            expected |= {(lo["iri"], h["iri"]) for h in higher
                         if (year(lo) is None or year(h) in (None, latest)) and (lo["iri"], h["iri"]) not in stated}
    got = {(q.subject.value, q.object.value) for q in inferred_quads(docs, stated, tree)}
    assert expected and got == expected
