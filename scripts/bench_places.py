"""Time gazetteer loading and place/agency/responsibility extraction on the bundled corpus.

    python scripts/bench_places.py
"""
from __future__ import annotations

import time

from corpus import BUNDLED_DIR
from corpus.ingest import ingest_dir
from kg.extract.agencies import AgencyNormaliser, extract_agencies
from kg.extract.places import extract_places, place_context
from kg.extract.responsibility import extract_responsibilities
from kg.gazetteer import Gazetteer


def main() -> None:
    docs, _ = ingest_dir(BUNDLED_DIR)
    t = time.perf_counter()
    gaz = Gazetteer.load()
    print(f"gazetteer load (4 levels): {time.perf_counter() - t:.3f}s, {len(gaz):,} divisions")
    t = time.perf_counter()
    gaz.villages_of("500231119000")
    print(f"village file load (lazy, once): {time.perf_counter() - t:.3f}s")
    for doc in sorted(docs, key=lambda d: d.source):
        t = time.perf_counter()
        ctx = place_context(doc, gaz)
        places, pm = extract_places(doc, gaz, ctx)
        agencies, am = extract_agencies(doc, ctx)
        recs = extract_responsibilities(doc, AgencyNormaliser.from_context(ctx))
        dt = time.perf_counter() - t
        print(f"{doc.source}: {len(doc.text) / 1000:.0f}k chars, {dt:.3f}s — "
              f"{len(places)} places/{len(pm)} mentions, {len(agencies)} agencies/{len(am)} mentions, "
              f"{len(recs)} responsibility lists")


if __name__ == "__main__":
    main()
