"""Place mentions: administrative divisions found in sentences, resolved against the gazetteer
in the document's context (its issuer's jurisdiction and the places mentioned around it).

Rules (built for the genre, not for particular documents):

* A mention is a gazetteer name with its level suffix (重庆市, 垫江县, 彭水自治县, 三溪镇, 淙城街道),
  a bare province name (重庆, 贵州), a functional zone (万盛经开区), or a village/community
  name (双龙村, 箐口社区).
* Short or common-word names are only accepted where the context supports them: a township
  must lie in the document's county or follow its container (垫江县三溪镇); a county or
  prefecture outside the document's province must be written out in full (≥ 4 characters),
  follow its container (四川省泸州市泸县) or have been accepted elsewhere in the document.
  ``全市``, ``城市``, ``市场``, ``县域``, ``镇村``, ``乡村`` are never places.
* Villages resolve among the villages of the document's township first (then its county,
  then the township named just before them: 万东镇五和村). A village listed next to resolved
  villages (漆树村、灯光村、焦家村) or right after its township is kept even when the gazetteer
  lacks it (a new or renamed unit), with ``attrs.resolved = False``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from corpus.model import Document
from corpus.numerals import HAN
from kg.extract.text import iter_sentences, make_span
from kg.gazetteer import (
    PROVINCE_ABBREVIATIONS,
    ZONE_RE,
    Division,
    Gazetteer,
    name_aliases,
)
from kg.records import Entity, Mention

# Township-level statistical units that are not townships (农场, 林场, 开发区 …) are skipped;
# so are division names that are also everyday words.
_TOWN_SUFFIXES = ("镇", "乡", "街道", "苏木")
_STOP_NAMES = {"城镇", "街道", "城区", "郊区", "矿区", "新区", "中心镇", "城关", "市中区", "新市",
               "新城区", "开发区", "高新区", "工业区", "示范区"}
# final character + next character forming a common word: 乡村, 镇村, 县域, 市场 …
_BAD_NEXT = {"乡": set("村镇风土贤愁情亲"), "镇": set("村街域"), "县": set("域"), "市": set("场民"),
             "区": set("域位块")}
_HAN_CHAR = re.compile(f"[{HAN}]")
_VILLAGE_TOKEN = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:村|社区)")
_ZONE_TOKEN = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:经济技术开发区|经开区|高新技术产业开发区|高新区)")
_ISSUER_HINT = re.compile(r"(委员会|人民政府|委|政府|办公室|管委会|党工委)$")
_PARTY_PREFIX = re.compile(r"^(中共|中国共产党)")


@dataclass
class PlaceContext:
    """The document's jurisdiction and the codes used to disambiguate its place names."""

    name: str | None = None  # jurisdiction as written (三溪镇, 万盛经开区)
    code: str | None = None  # 12-digit code when resolved
    level: str | None = None  # province | prefecture | county | township
    chain: list[Division] = field(default_factory=list)  # the jurisdiction and its ancestors
    context_codes: list[str] = field(default_factory=list)  # strongest first
    zone: dict | None = None  # functional-zone info when the jurisdiction is one
    local_townships: set[str] = field(default_factory=set)  # township names of the jurisdiction's county
    written: dict[str, str] = field(default_factory=dict)  # level → name as the document writes it, when unresolved
    warning: str | None = None  # why the jurisdiction was left unresolved

    def by_level(self, level: str) -> Division | None:
        """The jurisdiction's enclosing division at ``level`` (its own, if at that level)."""
        return next((d for d in self.chain if d.level == level), None)


@dataclass
class _Scanner:
    """Surface forms (full names and suffixed short forms) → codes, indexed by last character."""

    names: dict[str, list[str]]
    bare_provinces: dict[str, str]
    lengths: dict[str, list[int]]  # last char → candidate lengths, longest first
    first: dict[str, list[int]]  # first char → candidate lengths, longest first


@lru_cache(maxsize=4)
def _scanner(gaz: Gazetteer) -> _Scanner:
    names: dict[str, list[str]] = {}
    bare: dict[str, str] = {}
    for d in gaz.divisions():
        if d.name in _STOP_NAMES or (d.level == "township" and not d.name.endswith(_TOWN_SUFFIXES)):
            continue
        names.setdefault(d.name, []).append(d.code)
        if d.level == "province":
            for a in name_aliases(d.name, "province"):
                bare[a] = d.code
    for alias, codes in gaz.aliases().items():
        if alias in _STOP_NAMES or alias[-1] not in "县州旗镇乡":
            continue
        names.setdefault(alias, []).extend(codes)
    for a, c in bare.items():
        names[a] = [c]  # bare province names mean the province
    lengths: dict[str, set[int]] = {}
    first: dict[str, set[int]] = {}
    for n in names:
        lengths.setdefault(n[-1], set()).add(len(n))
        first.setdefault(n[0], set()).add(len(n))
    return _Scanner(names, bare, {k: sorted(v, reverse=True) for k, v in lengths.items()},
                    {k: sorted(v, reverse=True) for k, v in first.items()})


# ----------------------------------------------------------------------------------------
# document place
# ----------------------------------------------------------------------------------------
def _leading_places(text: str, gaz: Gazetteer, context: list[str]) -> list[tuple[str, Division | None, dict | None]]:
    """Places written at the start of an issuer or title: 垫江县三溪镇…, 重庆市万盛经开区…."""
    sc = _scanner(gaz)
    s = _PARTY_PREFIX.sub("", text.strip())
    out: list[tuple[str, Division | None, dict | None]] = []
    ctx = list(context)
    pos = 0
    while pos < len(s):
        hit = None
        for L in range(min(12, len(s) - pos), 1, -1):
            sub = s[pos:pos + L]
            if sub in sc.names:
                ranked = gaz.rank([d for d in map(gaz.get, sc.names[sub]) if d], ctx)
                if ranked:
                    hit = (sub, ranked[0].division, None)
                    break
            z = ZONE_RE.match(sub)
            if z and z.end() == len(sub):
                info = gaz.resolve_zone(sub, ctx)
                if info and info["anchor_code"]:
                    hit = (sub, None, info)
                    break
        if hit is None and out and out[-1][1] is not None and out[-1][1].level == "township":
            # 宣恩县椒园镇水田坝村支部委员会: a village of the township just named
            rest = s[pos:]
            village = max((v for v in gaz.villages_of(out[-1][1].code) if rest.startswith(v.name)),
                          key=lambda v: len(v.name), default=None)
            if village is not None:
                hit = (village.name, village, None)
        if hit is None:
            break
        out.append(hit)
        if hit[1] is not None:
            ctx.insert(0, hit[1].code)
        elif hit[2] and hit[2]["within_code"]:
            ctx.insert(0, hit[2]["within_code"])
        pos += len(hit[0])
    return out


def _header_issuers(doc: Document) -> list[str]:
    """Issuer-like lines at the top of the text when the parser recorded none."""
    out = []
    for line in doc.text[:600].splitlines():
        for part in re.split(r"\s{2,}|\u3000", line.strip()):
            part = part.strip()
            if 4 <= len(part) <= 40 and _ISSUER_HINT.search(part) and "关于" not in part:
                out.append(part)
    return out


def place_context(doc: Document, gaz: Gazetteer) -> PlaceContext:
    """The document's jurisdiction from its issuers (then title), with disambiguation context.

    Issuers are read first (中共垫江县三溪镇委员会 → 垫江县 → 三溪镇 in 垫江县); the deepest
    resolved place wins. An ambiguous bare township in a title alone is disambiguated by the
    counties the text names most often.
    """
    sources = list(doc.issuers) or _header_issuers(doc)
    sources.append(doc.title)
    if doc.place:
        sources.append(doc.place)
    best: tuple[int, str, Division | None, dict | None] | None = None
    ctx: list[str] = []
    for src in sources:
        for surface, div, zone in _leading_places(src, gaz, ctx):
            depth = {"province": 1, "prefecture": 2, "county": 3, "township": 4,
                     "village": 5}.get(div.level, 0) if div else 3
            if best is None or depth > best[0]:
                best = (depth, surface, div, zone)
            if div is not None and div.code not in ctx:
                ctx.append(div.code)
    if best is None:
        return PlaceContext()
    _, surface, div, zone = best
    if div is not None and div.level == "township" and len(gaz.lookup(div.name, "township")) > 1:
        div, warning, written = settle_township(doc, gaz, div.name, sources, ctx)
        if div is None:
            return PlaceContext(written.get("county", "") + surface, None, "township", written=written,
                                warning=warning)
    if div is not None:
        chain = [div] + gaz.ancestors(div.code)
        codes = [d.code for d in chain]
        return PlaceContext(surface, div.code, div.level, chain, codes + [c for c in ctx if c not in codes],
                            local_townships=_townships(gaz, chain))
    within = zone["within_code"] if zone else None
    chain = [d for d in ([gaz.get(within)] + gaz.ancestors(within) if within else []) if d]
    codes = [d.code for d in chain]
    return PlaceContext(surface, None, "county", chain, codes, zone, _townships(gaz, chain))


_CONTAINER_BEFORE = r"([\u4e00-\u9fff]{1,8}?(?:自治县|县|区|市|旗))"
# a citation's 文号 of a provincial party committee or government: 渝委发, 冀政办字
_PROVINCIAL_NUMBER = re.compile(r"^([\u4e00-\u9fff])(?:委|政)")


def _declared_container(name: str, sources: list[str], doc: Document) -> str | None:
    """The county (or city) the document writes right before its township: 青岗县石门镇 → 青岗县."""
    pattern = re.compile(_CONTAINER_BEFORE + re.escape(name))
    for src in [*sources, doc.text[:400]]:
        m = pattern.search(_PARTY_PREFIX.sub("", src or ""))
        if m:
            return m.group(1)
    return None


def implemented_provinces(doc: Document, gaz: Gazetteer) -> set[str]:
    """Province codes of the documents this one cites: the place its cited titles and issuers
    start with (《中共重庆市委 重庆市人民政府关于…》), or the province a cited provincial 文号
    abbreviates (渝委发〔2024〕1号)."""
    out: set[str] = set()
    for c in doc.cites:
        for text in (c.issuer or "", c.title):
            for _, div, _zone in _leading_places(text, gaz, []):
                if div is not None:
                    chain = [div] + gaz.ancestors(div.code)
                    out |= {d.code for d in chain if d.level == "province"}
                    break
        m = _PROVINCIAL_NUMBER.match(c.number or "")
        province = PROVINCE_ABBREVIATIONS.get(m.group(1)) if m else None
        if province:
            out |= {d.code for d in gaz.lookup(province, "province")}
    return out


def settle_township(doc: Document, gaz: Gazetteer, name: str, sources: list[str],
                    ctx: list[str]) -> tuple[Division | None, str | None, dict[str, str]]:
    """Which of the towns called ``name`` is the document's, or none with the reason.

    Dozens of towns share a name (石门镇). The document's own words decide: the county it writes
    before the town (青岗县石门镇: a town of that county, or none when the gazetteer does not know
    it); else the provinces of the documents it implements (a town plan implementing a Chongqing
    document is a Chongqing town); else the counties its text names most often, when they single
    one out. Never a same-name town elsewhere: ``(None, warning, written names)`` instead."""
    towns = gaz.lookup(name, "township")
    written: dict[str, str] = {}
    container = _declared_container(name, sources, doc)
    if container:
        written["county"] = container
        known = [d for d in gaz.lookup(container) if d.level in ("county", "prefecture")]
        if not known:
            return None, f"{container}{name}: {container} is not in the gazetteer; the town is left unresolved", written
        inside = [t for t in towns if any(gaz.contains(k.code, t.code) for k in known)]
        if len(inside) == 1:
            return inside[0], None, {}
        return None, f"{container}{name}: no single {name} in {container}", written
    provinces = implemented_provinces(doc, gaz)
    if provinces:
        towns = [t for t in towns if any(gaz.contains(p, t.code) for p in provinces)]
        if not towns:
            names = "、".join(sorted(d.name for p in provinces if (d := gaz.get(p))))
            return None, f"{name}: no town of that name in {names}, whose documents it implements", written
        if len(towns) == 1:
            return towns[0], None, {}
    same_name = {t.code for t in gaz.lookup(name, "township")}  # a guess made while reading the issuer is no evidence
    ranked = gaz.rank(towns, [c for c in ctx if c not in same_name] + _frequent_containers(doc, gaz))
    if ranked and (len(ranked) == 1 or ranked[0].score > ranked[1].score):
        return ranked[0].division, None, {}
    return None, f"{name}: {len(towns)} towns of that name and nothing in the document says which", written


def _townships(gaz: Gazetteer, chain: list[Division]) -> set[str]:
    county = next((d for d in chain if d.level == "county"), None)
    if county is None:
        return set()
    return {d.name for d in gaz.children(county.code) if d.name.endswith(_TOWN_SUFFIXES)}


def _frequent_containers(doc: Document, gaz: Gazetteer) -> list[str]:
    sc = _scanner(gaz)
    counts: dict[str, int] = {}
    text = doc.text
    for i, ch in enumerate(text):
        for L in sc.lengths.get(ch, ()):
            sub = text[i - L + 1:i + 1]
            if L >= 3 and sub in sc.names and len(sc.names[sub]) == 1:
                d = gaz.get(sc.names[sub][0])
                if d and d.level in ("county", "prefecture"):
                    counts[d.code] = counts.get(d.code, 0) + 1
                break
    return sorted(counts, key=lambda c: -counts[c])


def resolve_document_place(doc: Document, gaz: Gazetteer) -> tuple[str, str | None, str] | None:
    """(place name, 12-digit code or None, level) of the document's jurisdiction.

    The name is the official name when resolved (三溪镇 → ('三溪镇', '500231119000', 'township')),
    else as written (万盛经开区 → ('万盛经开区', None, 'county'): a county-level functional zone).
    """
    ctx = place_context(doc, gaz)
    if ctx.name is None:
        return None
    if ctx.code is not None:
        d = gaz.get(ctx.code)
        return (d.name if d else ctx.name, ctx.code, ctx.level or "")
    return (ctx.name, None, ctx.level or "county")


# ----------------------------------------------------------------------------------------
# mentions
# ----------------------------------------------------------------------------------------
@dataclass
class _Hit:
    start: int
    end: int
    surface: str
    division: Division | None = None
    level: str | None = None
    parent_code: str | None = None
    zone: dict | None = None


def _accept(d: Division, score: int, surface: str, chained: bool, seen: set[str]) -> bool:
    if chained or d.code in seen:
        return True
    if d.level == "province":
        return True
    if d.level == "township":
        return score >= 3
    if d.level == "county":
        return score >= 1 or len(surface) >= 4
    if d.level == "prefecture":
        return score >= 1 or len(surface) >= 3
    return False


class _DocPlaces:
    """Scans one document's sentences; keeps state (accepted codes, local villages)."""

    def __init__(self, doc: Document, gaz: Gazetteer, ctx: PlaceContext):
        self.doc, self.gaz, self.ctx = doc, gaz, ctx
        self.sc = _scanner(gaz)
        self.seen: set[str] = set(ctx.context_codes)
        self.local_villages: dict[str, list[Division]] = {}
        towns = [d.code for d in ctx.chain if d.level == "township"]
        if not towns:
            county = ctx.by_level("county")
            if county is not None:
                towns = [d.code for d in gaz.children(county.code)]
        self.village_first: set[str] = set()
        self.village_towns: set[str] = set()
        for t in towns:
            self._add_villages(t)
        self.bare_run = self._bare_run_pattern()

    def _bare_run_pattern(self) -> tuple[re.Pattern[str] | None, dict[str, Division | dict]]:
        """Bare names (任市, 甘棠; 江津, 綦江) of the county's townships and of the counties
        sharing the document's prefecture (or municipality), for runs like 甘棠—任市—广福."""
        scopes: list[Division] = []
        county = self.ctx.by_level("county")
        if county is not None:
            scopes += self.gaz.children(county.code)
        upper = next((d for d in self.ctx.chain if d.level in ("prefecture", "province")), None)
        if upper is not None and (upper.level == "prefecture" or upper.name.endswith("市")):
            scopes += [d for d in self.gaz.children(upper.code) if d.level == "county"]
        bare: dict[str, list[Division]] = {}
        for d in scopes:
            forms = name_aliases(d.name, d.level)
            if forms and len(forms[-1]) >= 2 and forms[-1] not in _STOP_NAMES:
                bare.setdefault(forms[-1], []).append(d)
        unique: dict = {k: v[0] for k, v in bare.items() if len(v) == 1}
        zone = self.ctx.zone
        if zone is not None:  # in a 万盛经开区 document, bare 万盛 is the zone itself
            unique[zone["name"][: -len(zone["zone_kind"])]] = zone
        if not unique:
            return None, {}
        alt = "|".join(sorted(map(re.escape, unique), key=len, reverse=True))
        return re.compile(rf"(?:{alt})(?:[—－\-–、](?:{alt}))+"), unique

    def bare_runs(self, text: str, taken: list[_Hit]) -> list[_Hit]:
        pattern, names = self.bare_run
        if pattern is None:
            return []
        out = []
        for m in pattern.finditer(text):
            end = m.end()
            if end < len(text) and text[end] in "县区镇街":
                continue
            pos = m.start()
            for part in re.split(r"([—－\-–、])", m.group(0)):
                if part and part in names:
                    a, b = pos, pos + len(part)
                    if not any(h.start < b and a < h.end for h in taken):
                        d = names[part]
                        if isinstance(d, dict):
                            out.append(_Hit(a, b, part, None, "county", d["within_code"], d))
                        else:
                            out.append(_Hit(a, b, part, d, d.level, d.parent_code))
                pos += len(part)
        return out

    def _add_villages(self, township_code: str) -> None:
        if township_code in self.village_towns:
            return
        self.village_towns.add(township_code)
        for v in map(_with_suffix, self.gaz.villages_of(township_code)):
            if _generic_village(v.name):
                continue
            self.local_villages.setdefault(v.name, []).append(v)
            self.village_first.add(v.name[0])

    def _ranked(self, surface: str, extra: list[str]):
        divs = [d for d in map(self.gaz.get, self.sc.names.get(surface, ())) if d]
        return self.gaz.rank(divs, extra + self.ctx.context_codes)

    def scan(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        i = 0
        n = len(text)
        prev: _Hit | None = None
        while i < n:
            hit = self._match_at(text, i, prev)
            if hit is None:
                i += 1
                continue
            hits.append(hit)
            prev = hit
            i = hit.end
        return hits

    def _match_at(self, text: str, i: int, prev: _Hit | None) -> _Hit | None:
        """The longest acceptable mention starting at ``i``."""
        chained_to = prev.division if prev is not None and prev.end == i else None
        chain_codes = [chained_to.code] if chained_to else []
        # administrative names (longest first)
        for L in self.sc.first.get(text[i], ()):
            sub = text[i:i + L]
            if len(sub) < L or sub not in self.sc.names:
                continue
            nxt = text[i + L] if i + L < len(text) else ""
            if nxt in _BAD_NEXT.get(sub[-1], ()) and len(sub) <= 3:
                continue
            if sub in self.sc.bare_provinces and i > 0 and _HAN_CHAR.match(text[i - 1]) and chained_to is None:
                # bare province names inside a longer word are suspicious unless clearly a name
                if text[i - 1] not in "对在到和与及、新赴至的全": 
                    continue
            ranked = self._ranked(sub, chain_codes)
            if not ranked:
                continue
            best = ranked[0]
            chained = chained_to is not None and best.division.parent_code is not None and \
                self.gaz.contains(chained_to.code, best.division.code) and best.division.code != chained_to.code
            if _accept(best.division, best.score, sub, chained, self.seen):
                d = best.division
                self.seen.add(d.code)
                if d.level == "township":
                    self._add_villages(d.code)
                return _Hit(i, i + L, sub, d, d.level, d.parent_code)
        # functional zones: 万盛经开区
        m = _ZONE_TOKEN.match(text, i)
        if m:
            info = self.gaz.resolve_zone(m.group(0), chain_codes + self.ctx.context_codes)
            if info and info["anchor_code"]:
                return _Hit(i, m.end(), m.group(0), None, "county", info["within_code"], info)
        # villages: a name of a local village, or any village name right after its township
        if chained_to is None and text[i] not in self.village_first:
            return None
        m = _VILLAGE_TOKEN.match(text, i)
        if m is None:
            return None
        for j in range(i + 3, min(len(text), i + 7) + 1):
            tok = text[i:j]
            if not (tok.endswith("村") or tok.endswith("社区")):
                continue
            if chained_to is not None and chained_to.level == "township":
                vs = [v for v in map(_with_suffix, self.gaz.villages_of(chained_to.code)) if v.name == tok]
                if vs:
                    return _Hit(i, j, tok, vs[0], "village", chained_to.code)
            elif tok in self.local_villages:
                vs = self.local_villages[tok]
                v = self.gaz.rank(vs, self.ctx.context_codes)[0].division
                return _Hit(i, j, tok, v, "village", v.parent_code)
        if chained_to is not None and chained_to.level == "township":
            tok = m.group(0)
            if not _generic_village(tok):
                return _Hit(i, m.end(), tok, None, "village", chained_to.code)
        return None


def _with_suffix(v: Division) -> Division:
    """A village the statistical list names without its 村 (双溪 for 双溪村委会), as written in text.

    >>> _with_suffix(Division("430321107208", "双溪", "village", "430321107000")).name
    '双溪村'
    """
    if v.name.endswith(("村", "社区", "居委会", "村委会")):
        return v
    return Division(v.code, v.name + "村", v.level, v.parent_code)


def _generic_village(tok: str) -> bool:
    return any(w in tok for w in ("示范", "重点", "脱贫", "贫困", "集体", "行政", "自然", "美丽", "和美",
                                   "达标", "中心", "每个", "各", "全", "本", "该", "试点", "先进", "特色"))


def _list_neighbours(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Unresolved village names listed with resolved ones (漆树村、灯光村、新村) or after a colon."""
    out: list[_Hit] = []
    villages = [h for h in hits if h.level == "village" and h.division is not None]
    taken = {(h.start, h.end) for h in hits}
    for h in villages:
        # walk right and left over 、-separated items
        for direction in (1, -1):
            pos = h.end if direction == 1 else h.start
            while True:
                if direction == 1:
                    if pos >= len(text) or text[pos] != "、":
                        break
                    m = re.compile(r"[\u4e00-\u9fff]{2,5}?(?:村|社区)(?=[、，。；）)\s]|$)").match(text, pos + 1)
                    if not m:
                        break
                    span = (m.start(), m.end())
                    pos = m.end()
                else:
                    if pos == 0 or text[pos - 1] != "、":
                        break
                    left = text[max(0, pos - 7):pos - 1]
                    m = re.search(r"(?:^|[、，：:；（\s])([\u4e00-\u9fff]{2,5}?(?:村|社区))$", left)
                    if not m:
                        break
                    span = (pos - 1 - len(m.group(1)), pos - 1)
                    pos = span[0]
                tok = text[span[0]:span[1]]
                if span in taken or any(a < span[1] and span[0] < b for a, b in taken):
                    continue
                if _generic_village(tok):
                    break
                taken.add(span)
                out.append(_Hit(span[0], span[1], tok, None, "village", h.parent_code))
    return out


def _entity_for(hit: _Hit, gaz: Gazetteer) -> Entity:
    if hit.division is not None:
        d = hit.division
        return Entity(id=f"place:{d.code}", type="place", name=d.name,
                      attrs={"admin_code": d.code, "admin_level": d.level, "parent_code": d.parent_code,
                             "resolved": True})
    attrs: dict = {"admin_code": None, "admin_level": hit.level, "parent_code": hit.parent_code, "resolved": False}
    name = hit.surface
    if hit.zone:
        name = hit.zone["name"]
        attrs.update({"zone_kind": hit.zone["zone_kind"], "anchor_code": hit.zone["anchor_code"]})
    return Entity(id=f"place:unresolved:{name}", type="place", name=name, attrs=attrs)


def extract_places(doc: Document, gaz: Gazetteer, ctx: PlaceContext | None = None) -> tuple[list[Entity], list[Mention]]:
    """Place entities (mentioned places and, without mentions, their ancestors) and mentions."""
    ctx = ctx or place_context(doc, gaz)
    scanner = _DocPlaces(doc, gaz, ctx)
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    for prov, sent in iter_sentences(doc):
        hits = scanner.scan(sent.text)
        hits += scanner.bare_runs(sent.text, hits)
        hits += _list_neighbours(sent.text, hits)
        for h in sorted(hits, key=lambda h: h.start):
            ent = _entity_for(h, gaz)
            known = entities.setdefault(ent.id, ent)
            if h.surface != known.name and h.surface not in known.aliases:
                known.aliases.append(h.surface)
            mentions.append(Mention(entity_id=ent.id, surface=h.surface, span=make_span(doc, prov, sent, h.start, h.end)))
    # the jurisdiction itself and every ancestor, so containment is complete in the graph
    extra_codes = [c for c in ctx.context_codes[:len(ctx.chain)]]
    for e in list(entities.values()):
        if e.attrs.get("resolved"):
            extra_codes.append(e.attrs["admin_code"])
        elif e.attrs.get("parent_code"):
            extra_codes.append(e.attrs["parent_code"])
    for code in extra_codes:
        for d in [gaz.get(code)] + gaz.ancestors(code):
            if d is not None and f"place:{d.code}" not in entities:
                entities[f"place:{d.code}"] = Entity(
                    id=f"place:{d.code}", type="place", name=d.name,
                    attrs={"admin_code": d.code, "admin_level": d.level, "parent_code": d.parent_code,
                           "resolved": True})
    if ctx.zone is not None and f"place:unresolved:{ctx.zone['name']}" not in entities:
        zname = ctx.zone["name"]
        entities[f"place:unresolved:{zname}"] = Entity(
            id=f"place:unresolved:{zname}", type="place", name=zname,
            attrs={"admin_code": None, "admin_level": "county", "parent_code": ctx.zone["within_code"],
                   "resolved": False, "zone_kind": ctx.zone["zone_kind"], "anchor_code": ctx.zone["anchor_code"]})
    return list(entities.values()), mentions
