"""Numbered formulations (提法): “四千行动”, “两个确保”, “五清理一活动” … with components.

A slogan is a quoted phrase that starts with a count numeral (一…十, 两, or Arabic digits
followed by 大/个/项/条/类), is at most 12 characters long and holds no clause punctuation.
Five-year-plan names (“十四五”) and a few nouns that merely start with a numeral (“三农”,
“两委”) are not slogans. 《titles》 are skipped.

Components come from the text around the quote:

* an enumeration right before it: ``以A、B、C、D“四千行动”为抓手`` → [A, B, C, D];
* a parenthesis right after it defining sub-formulations:
  ``“四万四千”（“四万产业”指发展A、B…；“四千产业”指…）`` → the items of both, in order;
* a colon after it: ``“X”：A、B、C``;
* comma-separated clauses after it when their number equals the numeral
  (``“五个一”工作机制，每5年…，每年…，…``), or a list a verb governs right after it
  (``“三个十万工程”，推动A、B、C``) when its count is the numeral;
* a 名词解释 glossary at the end of the document (``①“一分三统”：A、B、C、D``), for a name
  whose sentence does not define it.

An unquoted count phrase right after the list it counts is a slogan too
(``统筹空间、规模、产业三大结构``, see :func:`find_listed_counts`).

>>> slogan_numeral("五清理一活动"), slogan_numeral("五个一"), slogan_numeral("十百千万")
(6, 5, 4)
>>> slogan_numeral("三品一标"), slogan_numeral("四万四千"), slogan_numeral("三位一体")
(4, 8, 3)
>>> [(s.name, s.components) for s in find_slogans("以A项、B项“两个确保”为底线")]
[('两个确保', ['A项', 'B项'])]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import Document
from corpus.numerals import cn_number
from kg.extract.text import (
    CLAUSE_SEPS,
    QUOTE_CHARS,
    find_quoted,
    iter_sentences,
    make_span,
    strip_quotes,
    strip_ws,
)
from kg.records import Entity, Mention, SloganRecord

COUNT_CHARS = "一二三四五六七八九十两"
MAGNITUDES = "百千万"
MAX_LEN = 12
# nouns that begin with a numeral but name no enumeration
FIXED_TERMS = frozenset({"三农", "两委"})
# numeral words that do not count items (三位一体 = three in one)
NON_COUNT = ("一体", "一起", "一致", "一流", "一样")
# characters that make a following 一 part of a word (统一, 唯一, 同一 …)
NON_COUNT_PREV = frozenset("统唯同单专第合归万")
# words that start with 一 but count nothing (一线 = front line, 一把手 = the chief)
NON_COUNT_LEAD = ("一线", "一流", "一般", "一切", "一律", "一直", "一定", "一把手", "一揽子", "一站式")
_FIVE_YEAR = re.compile(r"^十[一二三四五六七八九]?五$")
_DIGIT_LED = re.compile(r"^(\d{1,2})[大个项条类张级]")
# verbs that govern a whole enumeration and are not part of its first item
GOVERNING_VERBS = (
    "深入实施", "大力实施", "持续实施", "全面实施", "加快实施", "集成实施", "实施",
    "深入开展", "持续开展", "扎实开展", "全面开展", "开展", "深入推进", "扎实推进", "加快推进",
    "持续推进", "全面推进", "统筹推进", "推进", "大力发展", "发展", "整合", "健全", "完善",
    "建立", "推行", "推动", "坚持", "落实", "围绕", "突出", "实现", "聚焦", "加强", "深化",
    "巩固", "构建", "培育", "打造", "建设", "探索", "全面完成", "完成", "做到", "做好", "以",
)
LEADING_TRIGGERS = ("以", "实现", "开展", "推进", "推动", "围绕", "包括", "即")
_GOVERNED_AFTER = re.compile(r"[^，。；：:“”]{0,2}[，,]\s*("
                             + "|".join(sorted((v for v in GOVERNING_VERBS if len(v) > 1), key=len, reverse=True))
                             + r")([^。；;，,“”]+)(?=[。；;，,]|$)")


@dataclass
class FoundSlogan:
    """A slogan occurrence inside one sentence (local offsets)."""

    name: str
    start: int
    end: int
    components: list[str] = field(default_factory=list)


def is_slogan_name(name: str) -> bool:
    """True for a numeral-led formulation name.

    >>> [is_slogan_name(x) for x in ("四千行动", "三农", "十四五", "千万工程", "5大项目", "141")]
    [True, False, False, False, True, False]
    >>> is_slogan_name("一线总指挥"), is_slogan_name("一线一策")
    (False, True)
    """
    if not name or len(name) > MAX_LEN or name in FIXED_TERMS or _FIVE_YEAR.match(name):
        return False
    if name.startswith(NON_COUNT_LEAD) and not any(ch in COUNT_CHARS for ch in name[2:]):
        return False
    if any(ch in QUOTE_CHARS or ch in CLAUSE_SEPS or ch in "、（）()《》 \t\n" for ch in name):
        return False
    if name[0] in COUNT_CHARS:
        return len(name) >= 2
    return bool(_DIGIT_LED.match(name))


def slogan_numeral(name: str) -> int | None:
    """How many items the name announces.

    Each count numeral that starts a segment adds its value (五清理一活动 = 5 + 1);
    a numeral right after 个 belongs to the item (五个一 = 5); 百/千/万 after a count numeral
    are the item word (四千行动 = 4, 四万四千 = 4 + 4). A name made of a series of
    magnitudes (十百千万) announces one tier per magnitude (4).
    """
    m = _DIGIT_LED.match(name)
    if m:
        return int(m.group(1))
    if len(name) >= 2 and all(ch in "十" + MAGNITUDES for ch in name[:2]):
        tiers = 0
        for ch in name:
            if ch in "十" + MAGNITUDES:
                tiers += 1
            else:
                break
        return tiers
    total, i, found = 0, 0, False
    while i < len(name):
        ch = name[i]
        starts_segment = ch in COUNT_CHARS and (i == 0 or name[i - 1] not in COUNT_CHARS + "个")
        if starts_segment and i > 0 and (
            any(name.startswith(w, i) for w in NON_COUNT) or (ch == "一" and name[i - 1] in NON_COUNT_PREV)
        ):
            starts_segment = False
        if starts_segment:
            j = i
            while j < len(name) and name[j] in COUNT_CHARS:
                j += 1
            value = cn_number(name[i:j])
            if value is None:  # e.g. 二十一: take the leading digit run conservatively
                value = cn_number(name[i])
            if value is not None:
                total += value
                found = True
            i = j
        else:
            i += 1
    return total if found else None


def _strip_governing(items: list[str]) -> list[str]:
    """Drop a governing verb from the first item when the others do not share it."""
    if not items:
        return items
    first = items[0]
    changed = True
    while changed:
        changed = False
        for verb in GOVERNING_VERBS:
            if first.startswith(verb) and len(first) > len(verb):
                if any(it.startswith(verb) for it in items[1:]):
                    continue
                first = first[len(verb):]
                changed = True
                break
    # 加快应用以农村耕地、宅基地…: the enumeration starts after the preposition 以
    m = re.search(r"以(?!及|上|下|来|内|外)", first[1:])
    if m:
        first = first[m.end() + 1:] or first
    # 建立完善村党组织领导下自治、法治、德治、智治: cut the first to the others' shape
    rest = items[1:]
    if len(rest) >= 2:
        lens = {len(it) for it in rest}
        tails = {it[-1] for it in rest}
        if len(lens) == 1 and len(tails) == 1:
            size = lens.pop()
            if len(first) > size + 2 and first.endswith(tails.pop()):
                first = first[-size:]
    return [first] + rest


def _clean_item(item: str) -> str:
    item = strip_quotes(strip_ws(item))
    for suffix in ("等方面", "等", "的"):
        if item.endswith(suffix) and len(item) > len(suffix) + 1:
            item = item[: -len(suffix)]
    return item


def split_enumeration(text: str, numeral: int | None) -> list[str]:
    """Split ``A、B、C和D`` into items; an item (the last first) is split on 和/及/与
    when that makes the count match the numeral.

    >>> split_enumeration("规划、科技、经营、资金进乡村和能人、青年、务工人员回乡村", 7)[3:5]
    ['资金进乡村', '能人']
    >>> split_enumeration("清理垃圾、清理塘沟，改变陋习", 3)
    ['清理垃圾', '清理塘沟', '改变陋习']
    """
    items = [_clean_item(x) for x in re.split(r"[、,]", text)]
    items = [x for x in items if x]
    if numeral and items and len(items) < numeral:
        for k in [len(items) - 1] + list(range(len(items) - 1)):
            parts = [p for p in re.split(r"，|和(?![美谐平睦])|以及|及(?!时)|与", items[k]) if p]
            if len(items) - 1 + len(parts) == numeral:
                items = items[:k] + [_clean_item(p) for p in parts] + items[k + 1:]
                break
    return items


def _run_together(pre: str, name: str, numeral: int | None) -> list[str]:
    """``自治法治德治智治“四治融合”``: N equal chunks ending in a character of the name."""
    if not numeral or numeral < 2:
        return []
    for size in (2, 3):
        tail = pre[-numeral * size:]
        if len(tail) < numeral * size:
            continue
        chunks = [tail[i:i + size] for i in range(0, len(tail), size)]
        last = {c[-1] for c in chunks}
        if len(last) == 1 and last.pop() in name[1:] and len(set(chunks)) == numeral:
            return chunks
    return []


_COUNTED = re.compile(r"^\d+(?:\.\d+)?[个家项条所名户座处件]|\d+(?:\.\d+)?[个家项条所名户座处件]$|"
                      r"^[一二三四五六七八九十两\d]+个?$|[（）()]")


def plausible_components(items: list[str]) -> list[str]:
    """``items`` unless one of them is a count (农产品12个, 2602项服务事项), a bare numeral (三个)
    or a broken parenthesis: then the list is something else than the formulation's parts.

    >>> plausible_components(["新增农产品12个", "联合体2家"]), plausible_components(["媒情", "网情"])
    ([], ['媒情', '网情'])
    """
    return [] if any(_COUNTED.search(it) for it in items) else items


def _components_before(text: str, qstart: int, name: str, numeral: int | None) -> list[str]:
    """The enumeration between the previous clause boundary and the opening quote."""
    open_at = qstart - 1  # the quote mark
    i = open_at
    while i > 0 and text[i - 1] not in CLAUSE_SEPS + "（(":
        if text[i - 1] in "）)":  # 招呼站（牌）: skip a parenthesis inside an item
            j = max(text.rfind("（", 0, i - 1), text.rfind("(", 0, i - 1))
            if j < 0:
                break
            i = j
            continue
        if text[i - 1] in QUOTE_CHARS:
            # “平急两用”公共基础设施建设、城中村改造等“三大工程”: a quoted word inside an item
            j = text.rfind("“", 0, i - 1)
            if text[i - 1] != "”" or j < 0 or i >= open_at or text[i] in "、，" or "、" not in text[i:open_at]:
                break
            i = j
            continue
        i -= 1
    pre = text[i:open_at]
    if not pre or pre.endswith("、"):  # A、B、“三X”: the quote is itself a list item
        return []
    trigger = next((t for t in LEADING_TRIGGERS if pre.startswith(t)), "")
    body = pre[len(trigger):] if trigger else pre
    if "、" in body:
        if "为" in body.rsplit("、", 1)[-1]:  # 以A、B为重点的“三X”: a frame, not a definition
            return []
        items = split_enumeration(body, numeral)
        if len(items) < 2 or numeral == 1:  # a 一X formulation unifies, it does not enumerate
            return []
        items = _strip_governing(items)
        # a list of actions (…、推进X、全市“一区两群”) is context, not the components
        verbs = [v for v in GOVERNING_VERBS if v != "以"]
        for it in items[1:]:
            v = next((v for v in verbs if it.startswith(v)), None)
            if v and not all(x.startswith(v) for x in items):
                return []
        return items
    if numeral == 1 and trigger in ("以", "实现") and body:
        # 实现农村黑臭水体“一清零”: the one thing the formulation names
        return [_clean_item(body)]
    return _run_together(strip_ws(body), name, numeral)


_DEF_IN_PAREN = re.compile(r"[“”\"]?([^“”\"（）()；;]{1,12})[“”\"]?\s*(?:指|即|是指|包括)([^；;）)]+)")


def _components_after(text: str, qend: int, numeral: int | None) -> tuple[list[str], list[FoundSlogan]]:
    """Definitions following the closing quote; also returns sub-slogans found there."""
    rest = text[qend + 1:]
    # （“四万产业”指发展A、B…；“四千产业”指发展…）
    m = re.match(r"\s*[（(]([^）)]*)[）)]", rest)
    if m:
        inner, base = m.group(1), qend + 1 + m.start(1)
        items: list[str] = []
        subs: list[FoundSlogan] = []
        for d in _DEF_IN_PAREN.finditer(inner):
            sub_name = strip_quotes(d.group(1)).strip()
            body = re.sub(r"^(发展|建设|实施|打造|推进|开展)", "", d.group(2).strip())
            sub_items = split_enumeration(body, slogan_numeral(sub_name))
            items.extend(sub_items)
            if is_slogan_name(sub_name):
                s = base + d.start(1)
                subs.append(FoundSlogan(sub_name, s, s + len(d.group(1)), sub_items))
        if items:
            return items, subs
        if "、" in inner:
            return split_enumeration(inner, numeral), []
    # “X”：A、B、C。
    m = re.match(r"[^，。；：:]{0,6}[：:]([^。；;]+)", rest)
    if m and "、" in m.group(1):
        return split_enumeration(m.group(1), numeral), []
    # 开展以“三清一改”为重点的村庄清洁行动，即A、B、C、D。  (an apposition that the count confirms)
    m = re.match(r"[^。；;“”]{0,20}?[，,]\s*(?:即|具体是|主要是|主要包括|包括)[：:]?([^。；;，,]+)", rest)
    if m and "、" in m.group(1) and numeral:
        items = split_enumeration(m.group(1), numeral)
        if len(items) == numeral:
            return items, []
    # “三个十万工程”，推动A、B、C。  (a governed list right after, confirmed by the count)
    m = _GOVERNED_AFTER.match(rest)
    if m and numeral and numeral >= 2 and "、" in m.group(2):
        items = split_enumeration(m.group(2), numeral)
        if len(items) == numeral:
            return items, []
    # “五个一”工作机制，每5年…，每年…，每年…。  (clauses counted against the numeral)
    m = re.match(r"[^，。；：:“”]{0,6}，([^。]+)", rest)
    if m and numeral and numeral >= 2:
        clauses = [strip_ws(c) for c in re.split(r"[，；;]", m.group(1)) if c.strip()]
        heads = [c[0] for c in clauses]
        parallel = max(heads.count(h) for h in heads) >= max(2, numeral - 1)
        if len(clauses) == numeral and parallel:
            return [_clean_item(c) for c in clauses], []
    return [], []


_BRAND_AFTER = re.compile(r"^[^，。；：“”\"、（(]{0,12}(品牌|地理标志)")
_PLACE_STEM = re.compile(r"(?<![“\"「])([\u4e00-\u9fff]{2})(?:镇|乡|县|市|街道)")


def place_stems(text: str) -> set[str]:
    """Two-character stems of place names written in a text (三溪镇 → 三溪).

    >>> sorted(place_stems("垫江县三溪镇人民政府"))
    ['三溪', '垫江']
    """
    return {m.group(1) for m in _PLACE_STEM.finditer(text)}


def find_slogans(text: str, stems: set[str] = frozenset()) -> list[FoundSlogan]:
    """Slogans in one sentence, with components where the sentence defines them.

    ``stems``: place-name stems of the document; a quoted name that starts with one
    (“三溪水城”) is a proper name, not a formulation. So is a quoted brand (“三峡柑橘”
    …区域公用品牌).
    """
    out: list[FoundSlogan] = []
    seen: set[tuple[int, str]] = set()
    for q in find_quoted(text):
        parts = [(q.text, q.start)]
        if "、" in q.text:  # “一个确保、一个提升、一个同步”
            parts, off = [], q.start
            for piece in q.text.split("、"):
                parts.append((piece, off))
                off += len(piece) + 1
            if not all(is_slogan_name(strip_ws(p)) for p, _ in parts):
                continue
        for raw, start in parts:
            name = strip_ws(raw)
            if not is_slogan_name(name) or (start, name) in seen:
                continue
            if name[:2] in stems or _BRAND_AFTER.match(text[q.end + 1:]):
                continue
            seen.add((start, name))
            numeral = slogan_numeral(name)
            comps: list[str] = []
            subs: list[FoundSlogan] = []
            # 安吉“两山”未来科技城等: the quote sits inside a list item, it names no list
            inside_item = re.match(r"[\u4e00-\u9fff]{1,12}(?:等|、)", text[q.end + 1:])
            if len(parts) == 1 and not inside_item:
                comps = plausible_components(_components_before(text, q.start, name, numeral))
                if not comps:
                    comps, subs = _components_after(text, q.end, numeral)
                    comps = plausible_components(comps)
            out.append(FoundSlogan(name, start, start + len(raw), comps))
            for s in subs:
                if (s.start, s.name) not in seen:
                    seen.add((s.start, s.name))
                    out.append(s)
    out.extend(find_listed_counts(text, [(q.start, q.end + 1) for q in find_quoted(text)]))
    # a sub-slogan may also be quoted by itself: keep the richer occurrence only
    best: dict[tuple[int, str], FoundSlogan] = {}
    for s in out:
        key = (s.start, s.name)
        if key not in best or len(s.components) > len(best[key].components):
            best[key] = s
    merged: list[FoundSlogan] = []
    for s in sorted(best.values(), key=lambda x: x.start):
        if merged and merged[-1].name == s.name and abs(merged[-1].start - s.start) <= 1:
            if len(s.components) > len(merged[-1].components):
                merged[-1] = s
            continue
        merged.append(s)
    return merged


# 统筹空间、规模、产业三大结构: an unquoted count phrase right after the list it counts
_LISTED_COUNT = re.compile(r"(?<![\d一二三四五六七八九十两第])([两二三四五六七八九十])(大|个|项|张|条|种)"
                           r"([\u4e00-\u9fff]{2,6}?)(?=[，。；：、（(]|$)")
_LEAD_VERBS = tuple(sorted(set(GOVERNING_VERBS) - {"以"} | {"提升", "对接", "壮大", "做大做强", "聚力", "统筹",
                                                         "引导", "优化", "拓展", "强化", "用好", "抓好", "彰显", "擦亮", "叫响", "打响"},
                           key=len, reverse=True))


def _cut_lead(item: str) -> str:
    """The list item after the last verb that governs the list: ``聚力打造火锅食材`` → 火锅食材."""
    best = -1
    for v in _LEAD_VERBS:
        k = item.rfind(v)
        if k >= 0 and len(item) - (k + len(v)) >= 2:
            best = max(best, k + len(v))
    return item[best:] if best >= 0 else item


def find_listed_counts(text: str, taken: list[tuple[int, int]] = ()) -> list[FoundSlogan]:
    """Unquoted count phrases defined by the list right before them, when the list has exactly
    as many items as the count (火锅食材、粮油、生态畜牧三大千亿级产业). A list ending in 等
    is open and defines nothing; a one-character noun (三大类) is a category, not a formulation.

    >>> [(s.name, s.components) for s in find_listed_counts("统筹空间、规模、产业三大结构，优化布局")]
    [('三大结构', ['空间', '规模', '产业'])]
    >>> find_listed_counts("实施交通通信、畅游巴蜀等十大便捷行动")
    []
    """
    out: list[FoundSlogan] = []
    for m in _LISTED_COUNT.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        numeral = cn_number(m.group(1))
        start = max(text.rfind(c, 0, m.start()) for c in CLAUSE_SEPS + "（(“”") + 1
        pre = text[start:m.start()]
        if "、" not in pre or pre.endswith(("等", "、")) or not numeral or numeral < 2:
            continue
        items = split_enumeration(pre, numeral)
        if len(items) != numeral:
            continue
        items = [_cut_lead(items[0])] + items[1:]
        if any(len(it) > 15 or not re.search(r"[\u4e00-\u9fff]", it) for it in items) or not plausible_components(items):
            continue
        out.append(FoundSlogan(m.group(0), m.start(), m.end(), items))
    return out


_GLOSSARY_HEAD = re.compile(r"名词解释|名词注释|注释|释义")
_GLOSSARY_ENTRY = re.compile(r"(?:^|\n)\s*(?:[①-⑳㉑-㊿]|\d{1,2}[.．、]|[（(]\d{1,2}[）)])?\s*[“\"]?"
                             r"(?P<term>[^“”\"：:\n。；]{2,12}?)[”\"]?\s*[：:]\s*(?P<body>[^\n]+)")


def glossary(text: str) -> dict[str, list[str]]:
    r"""Formulations a 名词解释 glossary at the end of a report defines, one ``term：definition``
    per line: name → the items of its definition (when their number is the name's count).

    >>> glossary("正文。\n名词解释\n①“一分三统”：分类处置、统一标准、统一平台、统一监管。\n②两山：绿水青山就是金山银山。")
    {'一分三统': ['分类处置', '统一标准', '统一平台', '统一监管']}
    """
    head = None
    for m in _GLOSSARY_HEAD.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        if len(text[line_start:line_end if line_end >= 0 else len(text)].strip(" ：:\t")) <= 8:
            head = line_end if line_end >= 0 else len(text)
    if head is None:
        return {}
    out: dict[str, list[str]] = {}
    for m in _GLOSSARY_ENTRY.finditer(text, head):
        term = strip_quotes(strip_ws(m.group("term")))
        if not is_slogan_name(term):
            continue
        numeral = slogan_numeral(term)
        body = re.sub(r"^(?:是指|指|即|包括)", "", m.group("body").strip()).rstrip("。；;")
        items = plausible_components(split_enumeration(body, numeral)) if "、" in body else []
        if items and (numeral is None or len(items) == numeral):
            out[term] = items
    return out


def slogan_id(name: str) -> str:
    return f"slogan:{name}"


def extract_slogans(doc: Document) -> tuple[list[SloganRecord], list[Entity], list[Mention]]:
    """Slogan records (one per occurrence), their entities and mentions."""
    records: list[SloganRecord] = []
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    stems = place_stems(doc.text) | place_stems(" ".join(doc.issuers + [doc.place or ""]))
    defined_at_end = glossary(doc.text)
    for prov, sent in iter_sentences(doc):
        for f in find_slogans(sent.text, stems):
            sid = slogan_id(f.name)
            numeral = slogan_numeral(f.name)
            span = make_span(doc, prov, sent, f.start, f.end)
            comps = f.components or defined_at_end.get(f.name, [])
            records.append(SloganRecord(
                name=f.name, slogan_id=sid, numeral=numeral, components=comps,
                count_matches=(len(comps) == numeral) if comps and numeral is not None else None,
                defined=bool(comps), doc_id=doc.id, provision_id=prov.id, span=span,
            ))
            ent = entities.setdefault(sid, Entity(id=sid, type="slogan", name=f.name,
                                                  attrs={"numeral": numeral}))
            if comps and "components" not in ent.attrs:
                ent.attrs["components"] = comps
            mentions.append(Mention(entity_id=sid, surface=sent.text[f.start:f.end], span=span))
    return records, list(entities.values()), mentions
