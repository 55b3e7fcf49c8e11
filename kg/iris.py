"""ELI-style IRIs for documents, provisions, sentences, places, agencies and concepts.

Every IRI is a pure function of its inputs, so the same thing gets the same IRI in every
document graph and in every build.

>>> document_iri_for_number("渝委发〔2024〕1号")
'https://w3id.org/policykg/eli/cn/500000/渝委发/2024/1'
>>> document_iri_for_number("中发〔2024〕1号")
'https://w3id.org/policykg/eli/cn/000000/中发/2024/1'
>>> document_iri_for_number("垫江委发〔2024〕1号")
'https://w3id.org/policykg/eli/cn/500231/垫江委发/2024/1'
>>> provision_iri("https://w3id.org/policykg/eli/cn/500000/渝委发/2024/1", "part_5/item_13/s_2")
'https://w3id.org/policykg/eli/cn/500000/渝委发/2024/1/part_5/item_13/s_2'
>>> entity_iri("place:500231119000"), entity_iri("indicator:农业科技进步贡献率")
('https://w3id.org/policykg/place/500231119000', 'https://w3id.org/policykg/concept/indicator/农业科技进步贡献率')
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

from kg.gazetteer import default_gazetteer

BASE = "https://w3id.org/policykg"
GRAPH_BASE = f"{BASE}/graph"
INFERRED_GRAPH = f"{GRAPH_BASE}/inferred"
PLACES_GRAPH = f"{GRAPH_BASE}/places"
ONTOLOGY_GRAPH = f"{GRAPH_BASE}/ontology"
SHARED_GRAPH = f"{GRAPH_BASE}/shared"  # shared nodes: entities, places, documents known from citations
CONTRIB_BASE = "urn:policykg:contrib:"  # hidden: what each document contributes to the shared graph
CENTRAL_AREA = "000000"

_NUMBER_RE = re.compile(r"^\s*(?P<code>[^\s〔\[［【（(]+?)\s*[〔\[［【（(](?P<year>\d{4})[〕\]］】）)]\s*第?(?P<seq>\d+)\s*号?\s*$")
# single-character abbreviations of the provincial-level divisions (GB/T 2260 first two digits)
_PROVINCE_ABBR = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "16", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "蜀": "51",
    "贵": "52", "黔": "52", "云": "53", "滇": "53", "藏": "54", "陕": "61", "甘": "62", "陇": "62",
    "青": "63", "宁": "64", "新": "65",
}
_PROVINCE_ABBR["辽"] = "21"
_CENTRAL_PREFIXES = ("中", "国")
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
             "街道办事处", "街道", "省", "市", "县", "区", "镇", "乡", "旗", "盟")
_IRI_UNSAFE = re.compile(r"[\s<>\"{}|\\^`%#?/]")


def nfc(text: str) -> str:
    """NFC-normalise and strip.

    >>> nfc(" 渝委发 ")
    '渝委发'
    """
    return unicodedata.normalize("NFC", text).strip()


def slug(text: str) -> str:
    """A readable IRI path segment: NFC, whitespace and IRI-unsafe characters percent-encoded.

    >>> slug("四千 行动/a")
    '四千_行动%2Fa'
    """
    text = re.sub(r"\s+", "_", nfc(text))
    return _IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text) or "_"


def parse_number(number: str) -> tuple[str, int, int] | None:
    """Split a 文号 into (发文机关代字, year, sequence); None if it is not one.

    >>> parse_number("渝委发〔2024〕1号")
    ('渝委发', 2024, 1)
    >>> parse_number("龙溪委发[2024]30号")
    ('龙溪委发', 2024, 30)
    >>> parse_number("无") is None
    True
    """
    m = _NUMBER_RE.match(nfc(number))
    if not m:
        return None
    return m.group("code"), int(m.group("year")), int(m.group("seq"))


def normalise_number(number: str) -> str:
    """The canonical printed form of a 文号 (〔〕 brackets, 号).

    >>> normalise_number("龙溪委发[2024]30号")
    '龙溪委发〔2024〕30号'
    """
    p = parse_number(number)
    return f"{p[0]}〔{p[1]}〕{p[2]}号" if p else nfc(number)


@lru_cache(maxsize=1)
def divisions() -> dict[str, tuple[str, str, str | None]]:
    """The gazetteer's division table: code -> (name, level, parent code)."""
    return {d.code: (d.name, d.level, d.parent_code) for d in default_gazetteer().divisions()}


def name_stem(name: str) -> str:
    """A division name without its administrative suffix.

    >>> name_stem("垫江县"), name_stem("重庆市"), name_stem("三溪镇")
    ('垫江', '重庆', '三溪')
    """
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _stems() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, (name, _level, _parent) in divisions().items():
        stem = name_stem(name)
        if len(stem) >= 2:
            out.setdefault(stem, []).append(code)
    return out


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def match_division(text: str, hint_code: str | None = None) -> str | None:
    """The division whose name stem is the longest prefix of ``text`` (an issuer name or 代字).

    Ties go to the candidate sharing the longest code prefix with ``hint_code``, else to the
    highest level when that is unique; None when nothing (or nothing unambiguous) matches.

    >>> match_division("垫江委发"), match_division("中共垫江县委")
    ('500231000000', '500231000000')
    >>> match_division("龙溪委发", hint_code="500243000000")
    '500243116000'
    """
    text = nfc(text)
    for prefix in ("中共", "中国共产党"):
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix):]
    stems = _stems()
    table = divisions()
    rank = {"province": 0, "prefecture": 1, "county": 2, "township": 3, "village": 4}
    for length in range(min(len(text), 12), 1, -1):
        codes = stems.get(text[:length])
        if not codes:
            continue
        best = sorted(codes, key=lambda c: (-_shared_prefix(c, hint_code or ""), rank.get(table[c][1], 9), c))
        if len(best) == 1 or _shared_prefix(best[0], hint_code or "") > _shared_prefix(best[1], hint_code or ""):
            return best[0]
        if table[best[0]][1] != table[best[1]][1]:
            return best[0]
        return None
    return None


def area_code(issuer_code: str, hint_code: str | None = None) -> str:
    """The 6-digit area code of a 发文机关代字 (or an issuer name); ``hint_code`` breaks ties.

    A matching division (see ``match_division``) wins; a leading province abbreviation
    (渝 → 500000) or a central prefix (中, 国 → 000000) is the fallback.

    >>> area_code("垫江委发"), area_code("渝委发"), area_code("国办发")
    ('500231', '500000', '000000')
    >>> area_code("龙溪委发", hint_code="500243115000")
    '500243'
    """
    code = match_division(issuer_code, hint_code)
    if code:
        return _area6(code)
    text = nfc(issuer_code)
    if text[:1] in _PROVINCE_ABBR:
        return _PROVINCE_ABBR[text[:1]] + "0000"
    if text.startswith(_CENTRAL_PREFIXES):
        return CENTRAL_AREA
    return (hint_code or CENTRAL_AREA)[:6]


def _area6(code: str) -> str:
    """The 6-digit area of a division (a township's area is its county's)."""
    return code[:6]


def document_iri_for_number(number: str, hint_code: str | None = None) -> str | None:
    """``{base}/eli/cn/{area}/{代字}/{year}/{seq}``, or None when ``number`` is no 文号."""
    parsed = parse_number(number)
    if not parsed:
        return None
    code, year, seq = parsed
    return f"{BASE}/eli/cn/{area_code(code, hint_code)}/{slug(code)}/{year}/{seq}"


def normalise_title(title: str) -> str:
    """A title reduced for comparison: NFC, no whitespace, quotes or book-title marks.

    >>> normalise_title("《关于 “千万工程”的意见》")
    '关于千万工程的意见'
    """
    return re.sub(r"[\s《》〈〉“”\"'‘’「」『』]", "", nfc(title))


def title_hash(title: str) -> str:
    """8 hex digits of SHA-256 of the normalised title."""
    return hashlib.sha256(normalise_title(title).encode("utf-8")).hexdigest()[:8]


def document_iri(
    *, number: str | None, title: str, area: str | None = None, doctype: str | None = None, date: str | None = None
) -> str:
    """A document's IRI: by 文号 when it has one, else by area, type, date and a title hash.

    >>> document_iri(number=None, title="龙溪镇实施方案", area="500243", doctype="scheme", date="2024-04-08")
    'https://w3id.org/policykg/eli/cn/500243/scheme/2024/04/08/f8ed1329'
    """
    if number:
        iri = document_iri_for_number(number, hint_code=area)
        if iri:
            return iri
    parts = [BASE, "eli", "cn", (area or CENTRAL_AREA)[:6], doctype or "doc"]
    if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        parts += date.split("-")
    parts.append(title_hash(title))
    return "/".join(parts)


def provision_iri(document: str, path: str) -> str:
    """A provision or sentence: the document IRI plus its AKN path."""
    return f"{document}/{path}"


def place_iri(code: str | None = None, name: str | None = None) -> str:
    """``{base}/place/{code}``; a place known only by name gets ``{base}/place/name/{name}``.

    >>> place_iri(name="全镇")
    'https://w3id.org/policykg/place/name/全镇'
    """
    if code:
        return f"{BASE}/place/{slug(code)}"
    return f"{BASE}/place/name/{slug(name or '')}"


def agency_iri(key: str) -> str:
    """``{base}/org/{key}`` (the key already names the area when the extraction knows it).

    >>> agency_iri("垫江县人民政府")
    'https://w3id.org/policykg/org/垫江县人民政府'
    """
    return f"{BASE}/org/{slug(key)}"


def concept_iri(scheme: str, key: str) -> str:
    """``{base}/concept/{scheme}/{key}`` for indicators, slogans, programs and brands."""
    return f"{BASE}/concept/{slug(scheme)}/{slug(key)}"


def entity_iri(entity_id: str) -> str:
    """The IRI of an extraction entity id ``"{type}:{key}"``."""
    etype, _, key = entity_id.partition(":")
    if etype == "place":
        return place_iri(code=key) if key.isdigit() else place_iri(name=key)
    if etype == "agency":
        return agency_iri(key)
    return concept_iri(etype, key)


def document_graph(doc_id: str) -> str:
    """The named graph holding everything read from one corpus document."""
    return f"{GRAPH_BASE}/doc/{doc_id}"


def contribution_graph(doc_id: str) -> str:
    """The hidden graph recording what one document says about shared nodes (never queried)."""
    return f"{CONTRIB_BASE}{doc_id}"
