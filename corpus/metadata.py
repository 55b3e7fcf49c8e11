"""Metadata of one cleaned document: title, 文号, 成文日期, issuers, level, place, genre, cites.

Everything is read from the text's shape, not from a list of known documents:
the head (text before the first heading) holds the title, the 文号, the issuers and — in a
notice that wraps a plan (关于印发《X》的通知) — the signature date; otherwise the date is
the last line that is only a date.

>>> parse_date("二〇二四年四月一日"), parse_date("2024年4月8日")
('2024-04-01', '2024-04-08')
>>> jurisdiction("中共垫江县三溪镇委员会")
('三溪镇', 'township')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import Citation, Provision
from corpus.numerals import HAN as CJK
from corpus.numerals import cn_number, valid_date
from corpus.report import read_report, report_level

DOC_NUMBER = re.compile(rf"[{CJK}]{{1,10}}[〔\[［【(（]\s*(?:19|20)\d{{2}}\s*[〕\]］】)）]\s*\d{{1,4}}\s*号")
_DATE = re.compile(
    r"((?:19|20)\d{2}|[〇零一二三四五六七八九○Ｏ]{4})\s*年\s*([\d一二三四五六七八九十]{1,3})\s*月\s*"
    r"([\d一二三四五六七八九十]{1,3})\s*日"
)


@dataclass
class Metadata:
    title: str = ""
    doc_number: str | None = None
    date: str | None = None
    issuers: list[str] = field(default_factory=list)
    level: str | None = None
    place: str | None = None
    genre: str | None = None
    cites: list[Citation] = field(default_factory=list)


# ----------------------------------------------------------------------------- dates


def parse_date(s: str) -> str | None:
    """ISO date of the first ``YYYY年M月D日`` (Arabic or Chinese numerals) in ``s``."""
    m = _DATE.search(s)
    if not m:
        return None
    y, mo, d = m.groups()
    if not y.isdigit():
        y = "".join(str(cn_number(c) if c not in "○Ｏ" else 0) for c in y)
    return valid_date(int(y), cn_number(mo), cn_number(d))


def _date_only(line: str) -> bool:
    """A line that is only a date (a signature date, or a bracketed date under a 党委 title).

    >>> _date_only("        2024年4月1日"), _date_only("（2024年3月12日）"), _date_only("（2024年3月）")
    (True, True, False)
    """
    s = line.strip()
    m = re.fullmatch(r"[（(]\s*(.+?)\s*[）)]", s)
    return bool(_DATE.fullmatch(m.group(1) if m else s))


# ----------------------------------------------------------------------------- places

_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_CENTRAL = re.compile(r"^(中共中央|中央|国务院|全国人民代表大会|全国人大|中华人民共和国|国家)")
_UNIT = re.compile(
    rf"[{CJK}]{{1,9}}?(?:特别行政区|自治区|自治州|自治县|自治旗|经济技术开发区|经开区|高新区|新区|开发区"
    r"|街道|社区|省|市|州|盟|县|区|旗|镇|乡|村)"
)
_SUFFIXES = {"特别行政区", "自治区", "自治州", "自治县", "自治旗", "经济技术开发区", "经开区", "高新区", "新区",
             "开发区", "街道", "社区", "省", "市", "州", "盟", "县", "区", "旗", "镇", "乡", "村"}
_LEVELS = ("central", "provincial", "prefectural", "county", "township", "village")
_ORG_SUFFIX = re.compile(
    r"(委员会|人民政府|政府|党工委|管委会|党委|人大常委会|办公室|办公厅|委|局|厅|部|院|中心|领导小组|小组|工作队|支部"
    r"|^中共中央)$"
)


def _unit_level(unit: str, first: bool) -> str:
    if unit.endswith(("特别行政区", "自治区", "省")) or (first and unit.startswith(_MUNICIPALITIES) and unit.endswith("市")):
        return "provincial"
    if unit.endswith(("自治州", "州", "盟", "市")):
        return "prefectural"
    if unit.endswith(("街道", "镇", "乡")):
        return "township"
    if unit.endswith(("村", "社区")):
        return "village"
    return "county"  # 县 区 旗 自治县 经开区 新区 开发区


def admin_units(name: str) -> list[tuple[str, str]]:
    """Leading chain of administrative units in a name, each with its level.

    A unit is accepted only one level below the previous one (a municipality's
    districts count as one level below it); the chain stops at the first misfit.

    >>> admin_units("重庆市万盛经开区巩固拓展脱贫攻坚成果")
    [('重庆市', 'provincial'), ('万盛经开区', 'county')]
    >>> admin_units("彭水苗族土家族自治县龙溪镇")
    [('彭水苗族土家族自治县', 'county'), ('龙溪镇', 'township')]
    >>> admin_units("重庆市农业农村")
    [('重庆市', 'provincial')]
    """
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(name):
        unit = _next_unit(name, pos)
        if unit is None:
            break
        level = _unit_level(unit, not out)
        if out:
            prev = _LEVELS.index(out[-1][1])
            cur = _LEVELS.index(level)
            ok = cur == prev + 1 or (out[-1][1] == "provincial" and level == "county")
            if not ok:
                break
        out.append((unit, level))
        pos += len(unit)
    return out


_AFTER_UNIT = re.compile(r"^(委员会|人民政府|政府|党委|党工委|管委会|委|人大|政协|纪委|办公室|$)")


def _next_unit(name: str, pos: int) -> str | None:
    """The unit starting at ``pos``: the shortest candidate followed by another unit or an
    organ word (开州区委 → 开州区, not 开州), else the shortest candidate.

    >>> _next_unit("开州区委", 0), _next_unit("垫江县三溪镇委员会", 0)
    ('开州区', '垫江县')
    """
    cands = [name[pos:k] for k in range(pos + 2, min(len(name), pos + 12) + 1)
             if _UNIT.fullmatch(name[pos:k]) and _named(name[pos:k])]
    # 湖州 + 市, 开州 + 区: a candidate that a bare suffix extends is part of a longer name
    # (but 河北省 + 乡村振兴…: a 乡/村/镇 right after a higher unit starts the next name)
    cands = [c for c in cands if _SELF_ORGAN.match(name, pos + len(c)) or not any(
        len(d) > len(c) and d[len(c):] in _SUFFIXES and not (d[len(c):] in _LOCAL and not c.endswith(_LOCAL))
        for d in cands)] or cands
    for c in cands:
        rest = name[pos + len(c):]
        if _AFTER_UNIT.match(rest) or any(_UNIT.fullmatch(rest[:k]) for k in range(2, min(len(rest), 12) + 1)):
            return c
    return cands[0] if cands else None


_LOCAL = ("街道", "社区", "镇", "乡", "村")
_SELF_ORGAN = re.compile(r"村民委员会|居民委员会|村委会|居委会")  # 水田坝村 + 村民委员会


def _named(unit: str) -> bool:
    """A unit has a name before its suffix: 乡村, 农村, 城乡, 各村 are words, not places (a
    township or village needs a name of two characters or more).

    >>> _named("乡村"), _named("城乡"), _named("水田坝村"), _named("和县")
    (False, False, True, True)
    """
    suffix = next((x for x in sorted(_SUFFIXES, key=len, reverse=True) if unit.endswith(x)), "")
    stem = unit[: len(unit) - len(suffix)]
    if stem in _SUFFIXES:
        return False
    return len(stem) >= 2 or suffix not in _LOCAL


def jurisdiction(issuer: str) -> tuple[str | None, str | None]:
    """(place, level) of an issuing body, e.g. ``中共重庆市委`` → (重庆市, provincial)."""
    name = re.sub(r"\s+", "", issuer)
    if _CENTRAL.match(name):
        return "中国", "central"
    name = re.sub(r"^中共|^中国共产党", "", name)
    units = admin_units(name)
    if not units:
        # abbreviated municipality/province names: 重庆市委 → 重庆市, 四川省委 → 四川省
        return None, None
    return units[-1]


_ISSUER_SEP = re.compile(r"[\s、，,；;]+|(?<=[委府厅局部室])(?=中共|[^\s、，]{2,}人民政府)")


def split_issuers(s: str, *, organisations_only: bool = True) -> list[str]:
    """Joint issuers printed together: ``中共重庆市委 重庆市人民政府``, with 、 or run together.
    ``organisations_only`` keeps names that end like an organisation (委, 人民政府, 办公厅 …);
    a citation's issuer text (中共中央、国务院) is split with ``organisations_only=False``.

    >>> split_issuers("中共重庆市委 重庆市人民政府"), split_issuers("中共垫江县委垫江县人民政府")
    (['中共重庆市委', '重庆市人民政府'], ['中共垫江县委', '垫江县人民政府'])
    >>> split_issuers("中共中央、国务院", organisations_only=False)
    ['中共中央', '国务院']
    """
    parts = [p.strip() for p in _ISSUER_SEP.split(s or "") if p and p.strip()]
    return [p for p in parts if _is_org(p)] if organisations_only else [p for p in parts if len(p) >= 2]


def _is_org(s: str) -> bool:
    return 2 <= len(s) <= 40 and bool(_ORG_SUFFIX.search(s)) and not re.search(r"[。；：，《》“”]", s)


# ----------------------------------------------------------------------------- genre

_GENRES = [
    "实施意见", "指导意见", "若干意见", "意见", "实施方案", "工作方案", "行动方案", "方案", "发展规划", "规划",
    "纲要", "工作要点", "要点", "实施办法", "管理办法", "办法", "实施细则", "细则", "规定", "决定", "条例",
    "行动计划", "计划", "报告", "批复", "请示", "通报", "公告", "决议", "通知", "函",
]


def genre_of(title: str) -> str | None:
    """The genre a title ends with (years in brackets ignored).

    >>> genre_of("重庆市万盛经开区…有效衔接“十四五”规划（2021—2025年）")
    '规划'
    """
    t = re.sub(r"[（(][^（）()]*[）)]$", "", title.strip()).strip()
    for g in _GENRES:
        if t.endswith(g):
            return g
    return None


# ----------------------------------------------------------------------------- citations

_CITE = re.compile(r"《([^《》\n]{1,200})》")
_CITE_NUMBER = re.compile(rf"\s*[（(]\s*({DOC_NUMBER.pattern})\s*[）)]")
_LEAD_WORDS = re.compile(r"^(?:为|并|和|及|以及|与|根据|依据|按照|遵照|贯彻落实|贯彻|落实|认真|深入|结合|对照|参照|执行|印发|转发)+")


def find_citations(text: str, provisions: list[Provision]) -> list[Citation]:
    """Every 《title》 with its 文号 (if printed right after), issuer and relation."""
    sentences = [(p, s) for p in provisions for s in p.sentences]
    cites: list[Citation] = []
    for m in _CITE.finditer(text):
        title = re.sub(r"\s+", "", m.group(1))
        end = m.end()
        number = None
        nm = _CITE_NUMBER.match(text, end)
        if nm:
            number = re.sub(r"\s+", "", nm.group(1))
            end = nm.end()
        prov, sent = _locate(sentences, m.start())
        sent_start = sent.start if sent else max(0, m.start() - 80)
        sent_end = sent.end if sent else min(len(text), end + 80)
        before = text[sent_start: m.start()]
        after = text[end: sent_end]
        cites.append(Citation(
            title=title, number=number, issuer=_issuer_before(before) or _issuer_in_title(title),
            relation=_relation(before, after), start=m.start(), end=end,
            sentence_id=sent.id if sent else None, provision_id=prov.id if prov else None,
        ))
    return cites


def _locate(sentences, pos: int):
    for p, s in sentences:
        if s.start <= pos < s.end:
            return p, s
    return None, None


def _issuer_before(before: str) -> str | None:
    """An issuing body named right before 《: ``根据重庆市委市政府《…》`` → 重庆市委市政府."""
    m = re.search(rf"[{CJK}]{{2,40}}$", before)
    if not m:
        return None
    name = _LEAD_WORDS.sub("", m.group(0))
    name = re.sub(r"^.*?(?:和|及|以及|与)(?=[{CJK}]{2,}$)", "", name) if not _is_org(name) else name
    return name if _is_org(name) else None


def _issuer_in_title(title: str) -> str | None:
    """``中共垫江县委、垫江县人民政府关于…`` → the text before 关于, when it names bodies."""
    i = title.find("关于")
    if i <= 1:
        return None
    head = title[:i]
    orgs = split_issuers(head)
    return head.strip() if orgs and sum(map(len, orgs)) >= len(re.sub(r"[\s、，,]", "", head)) - 1 else None


def _relation(before: str, after: str) -> str:
    """applies: 为贯彻落实《…》… or 根据《…》…精神; based_on: 根据《…》，制定…; else cites.

    >>> _relation("根据", "和《乙》（渝委农办〔2024〕5号）文件精神，结合实际")
    'applies'
    >>> _relation("为贯彻落实", "（中发〔2024〕1号）精神，现提出如下意见")
    'applies'
    >>> _relation("根据", "《丙》及《丁》，制定本规划")
    'based_on'
    """
    clause = re.split(r"[，。；]", re.sub(r"《[^《》]*》", "《》", after), maxsplit=1)[0]
    spirit = "精神" in clause
    if re.search(r"贯彻", before) and not re.search(r"根据|依据|按照", before):
        return "applies"
    if re.search(r"根据|依据|按照|遵照", before):
        return "applies" if spirit else "based_on"
    if re.search(r"落实|学习", before[-8:]) and spirit:
        return "applies"
    return "cites"


# ----------------------------------------------------------------------------- head


def _head_lines(text: str, provisions: list[Provision]) -> list[str]:
    first = next((p for p in provisions if p.kind not in ("preamble", "body")), None)
    head = text[: first.start] if first else text[:1500]
    return head.split("\n")


_WRAP = re.compile(r"关于(?:印发|转发|下发|发布|修订印发)\s*《([^《》]{2,200})》\s*的?(?:通知|决定)")
# the same without 《》 (关于印发X实施方案（2024—2026年）的通知): the title must end like a genre
_WRAP_BARE = re.compile(
    r"关于(?:印发|转发|下发|发布|修订印发)([^《》“”：:。；，]{4,120}?"
    r"(?:意见|方案|规划|纲要|要点|办法|细则|规定|计划|规则|制度|清单)(?:[（(][^（）()]{4,20}[）)])?)的?(?:通知|决定)"
)
# a letterhead line: 重庆市长寿区人民政府办公室文件
_LETTERHEAD = re.compile(r"^(.{2,40}?)(?:文件|函件|简报)$")


def extract_metadata(text: str, provisions: list[Provision]) -> Metadata:
    """All metadata of one cleaned document (``source`` is set by the caller)."""
    md = Metadata()
    report = read_report(text)
    if report is not None:
        return _report_metadata(text, provisions, report)
    head_lines = _head_lines(text, provisions)
    head = "\n".join(head_lines)
    flat_head = re.sub(r"\s+", "", head)

    # 文号: a line that is only a number, or the number of the 印发 line; never a cited one.
    for line in head_lines:
        m = number_line(line)
        if m:
            md.doc_number = m
            break
    if md.doc_number is None:
        for m in DOC_NUMBER.finditer(head):
            pre = head[max(0, m.start() - 2): m.start()]
            if "》" in pre or "（" in pre and "》" in head[max(0, m.start() - 4): m.start()]:
                continue  # 《…》（X号）: a citation
            line = head[head.rfind("\n", 0, m.start()) + 1: head.find("\n", m.end()) if "\n" in head[m.end():] else len(head)]
            if re.search(r"印发|签发", line) or DOC_NUMBER.fullmatch(line.strip()):
                md.doc_number = re.sub(r"\s+", "", m.group(0))
                break

    # Title: the plan a notice wraps, else the leading title block.
    wrap = _WRAP.search(flat_head) or _WRAP_BARE.search(flat_head)
    if wrap and _wraps_several(wrap.group(1)):
        wrap = None  # a notice wrapping two documents is itself the document
    title_block_issuers: list[str] = []
    if wrap:
        md.title = wrap.group(1)
        md.genre = genre_of(md.title)
        before = flat_head[: wrap.start()]
        notice_head = head[: _raw_index(head, wrap.start())]
        title_block_issuers = _issuer_lines(notice_head)
        if not title_block_issuers:
            title_block_issuers = split_issuers(before)
    else:
        md.title, title_block_issuers = _title_block(head_lines)
        md.genre = genre_of(md.title)
    md.issuers = _dedupe(title_block_issuers or _head_signature(head_lines) or _signature_issuers(text))

    # Date: a line that is only a date — in the notice head when there is one, else the last.
    date_lines = [ln for ln in text.split("\n") if _date_only(ln)]
    head_dates = [ln for ln in head_lines if _date_only(ln)]
    chosen = head_dates[0] if head_dates else (date_lines[-1] if date_lines else None)
    if chosen is None:
        printed = [ln for ln in head_lines if re.search(r"日\s*印发$", ln.strip())]
        chosen = printed[0] if printed else None
    md.date = parse_date(chosen) if chosen else None

    # Jurisdiction: the first issuer that names a place, else the title's leading places.
    place = level = None
    for issuer in md.issuers:
        place, level = jurisdiction(issuer)
        if place:
            break
    if not place:
        units = admin_units(re.sub(r"^中共", "", md.title))
        scope = _self_scope(text)
        if units:
            pick = next((u for u in reversed(units) if scope and u[0].endswith(scope)), units[-1])
            place, level = pick
    if not place:
        place, level = _provincial_organ(md.issuers, md.doc_number)
    md.place, md.level = place, level
    # the wrapped plan's own title (关于印发《X》) is not a citation
    md.cites = [c for c in find_citations(text, provisions) if c.title != md.title]
    return md


def _report_metadata(text: str, provisions: list[Provision], r) -> Metadata:
    """A 政府工作报告: title, date, place and level from the speech; the issuer is that government."""
    md = Metadata(title=r.title, genre="报告")
    md.date = parse_date(r.date_text) if r.date_text else None
    md.level = report_level(r)
    if r.central:
        md.place, md.issuers = "中国", ["国务院"]
    elif r.place:
        md.place, md.issuers = r.place, [r.place + "人民政府"]
    md.cites = find_citations(text, provisions)
    return md


#: 文号 abbreviations of the provincial-level divisions (渝委发 → 重庆市, 冀政办字〔2021〕130号 → 河北省)
PROVINCE_ABBREVIATIONS = {
    "京": "北京市", "津": "天津市", "沪": "上海市", "渝": "重庆市", "冀": "河北省", "晋": "山西省", "辽": "辽宁省",
    "吉": "吉林省", "黑": "黑龙江省", "苏": "江苏省", "浙": "浙江省", "皖": "安徽省", "闽": "福建省", "赣": "江西省",
    "鲁": "山东省", "豫": "河南省", "鄂": "湖北省", "湘": "湖南省", "粤": "广东省", "琼": "海南省", "川": "四川省",
    "蜀": "四川省", "黔": "贵州省", "贵": "贵州省", "滇": "云南省", "云": "云南省", "陕": "陕西省", "甘": "甘肃省",
    "陇": "甘肃省", "青": "青海省", "蒙": "内蒙古自治区", "内": "内蒙古自治区", "桂": "广西壮族自治区",
    "藏": "西藏自治区", "宁": "宁夏回族自治区", "新": "新疆维吾尔自治区",
}


def _provincial_organ(issuers: list[str], doc_number: str | None) -> tuple[str | None, str | None]:
    """An issuer named only as 省委… / 省…领导小组办公室 is provincial; its province is the one
    its 文号 abbreviates, when the 文号 is printed and starts with one.

    >>> _provincial_organ(["省委农村工作领导小组办公室"], "冀农组办〔2022〕3号")
    ('河北省', 'provincial')
    >>> _provincial_organ(["省委农村工作领导小组办公室"], None), _provincial_organ(["县财政局"], None)
    ((None, 'provincial'), (None, None))
    """
    if not any(re.match(r"^(?:中共)?省", i) for i in issuers):
        return None, None
    return (PROVINCE_ABBREVIATIONS.get(doc_number[0]) if doc_number else None), "provincial"


def number_line(line: str) -> str | None:
    """The 文号 of a line that is only a 文号, bare or in brackets.

    >>> number_line("（皖政办秘〔2021〕82号）"), number_line("国发〔2014〕49号各省")
    ('皖政办秘〔2021〕82号', None)
    """
    s = re.sub(r"\s+", "", line)
    s = re.sub(r"^[（(](.*)[）)]$", r"\1", s)
    return s if DOC_NUMBER.fullmatch(s) else None


_GENRE_END = re.compile(r"(?:政策|意见|方案|规划|纲要|要点|办法|细则|规定|计划|规则|制度|清单)(?:[（(][^（）()]{4,20}[）)])?$")


def _wraps_several(title: str) -> bool:
    """``A若干政策和B行动计划（2021-2023年）``: two documents joined, each ending like a genre.

    >>> _wraps_several("支持工业互联网发展若干政策和安徽省工业互联网创新发展行动计划（2021-2023年）")
    True
    >>> _wraps_several("巩固拓展脱贫攻坚成果和乡村振兴有效衔接实施方案")
    False
    """
    parts = re.split(r"和|及|以及|、", title)
    return len(parts) >= 2 and all(_GENRE_END.search(p) for p in parts)


def _raw_index(head: str, flat_pos: int) -> int:
    """Index in ``head`` of the character at ``flat_pos`` in its whitespace-free form."""
    n = 0
    for i, c in enumerate(head):
        if c.isspace():
            continue
        if n == flat_pos:
            return i
        n += 1
    return len(head)


def _issuer_lines(head: str) -> list[str]:
    out: list[str] = []
    for line in head.split("\n"):
        for part in split_issuers(line):
            out.append(part)
    return out


def _title_block(lines: list[str]) -> tuple[str, list[str]]:
    """Leading consecutive short lines (skipping 文号 and date lines) → title, issuers."""
    block: list[str] = []
    started = False
    for line in lines:
        s = line.strip()
        if not s:
            if started and not all(_only_orgs(b) for b in block):
                break
            continue
        if number_line(s) or _date_only(s) or _is_letterhead(s):
            if started:
                break
            continue
        if len(s) > 100 or (started and s[-1] in "。；："):
            break
        if s[-1] in "。；：" and not started:
            break
        block.append(s)
        started = True
        if len(block) >= 5:
            break
    issuers: list[str] = []
    # leading lines that are only bodies (中共开江县委 开江县人民政府) are issuers
    while len(block) > 1 and _only_orgs(block[0]):
        issuers += split_issuers(block.pop(0))
    title = "".join(block)
    half = len(title) // 2
    if len(title) % 2 == 0 and half >= 4 and title[:half] == title[half:]:
        title = title[:half]  # the title printed once as a line, again as issuer + title lines
    m = re.match(r"^(.{2,80}?)(?:印发|转发)?关于", title)
    if m and not issuers:
        orgs = split_issuers(m.group(1))
        if orgs and "".join(orgs) == re.sub(r"[\s、，,]", "", m.group(1)):
            issuers = orgs
    if issuers and not title.startswith(tuple(issuers)) and title.startswith("关于"):
        title = " ".join(issuers) + title
    return unspace(re.sub(r"\s+", " ", title).strip()), issuers


def unspace(title: str) -> str:
    """Letter-spaced characters (关 于 印 发…) run together; a space between two names stays.

    >>> unspace("关 于 加 强 管 理 的 通 知"), unspace("中共湄潭县委 湄潭县人民政府关于…")
    ('关于加强管理的通知', '中共湄潭县委 湄潭县人民政府关于…')
    """
    return re.sub(rf"(?<![{CJK}])(?:[{CJK}] ){{2,}}[{CJK}](?![{CJK}])", lambda m: m.group(0).replace(" ", ""), title)


def _is_letterhead(line: str) -> bool:
    """``重庆市长寿区人民政府办公室文件``: the issuer's letterhead, not the title.

    >>> _is_letterhead("重庆市长寿区人民政府办公室文件"), _is_letterhead("关于加强文件管理的通知")
    (True, False)
    """
    m = _LETTERHEAD.match(re.sub(r"\s+", "", line))
    return bool(m) and _only_orgs(m.group(1))


def _only_orgs(line: str) -> bool:
    """A line made only of issuing bodies (中共开江县委 开江县人民政府)."""
    orgs = split_issuers(line)
    return bool(orgs) and "".join(orgs) == re.sub(r"[\s、，,]+", "", line)


def _head_signature(lines: list[str]) -> list[str]:
    """Issuers signing a notice in the head: a line of bodies right above a date line."""
    lines = [ln for ln in lines if ln.strip()]
    for line, nxt in zip(lines, lines[1:]):
        if _only_orgs(line) and _date_only(nxt):
            return split_issuers(line)
    return []


def _signature_issuers(text: str) -> list[str]:
    """Issuers from a signature line (bodies separated by spaces) in the last lines."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    for line in reversed(lines[-6:]):
        if _only_orgs(line):
            return split_issuers(line)
    return []


def _self_scope(text: str) -> str | None:
    """The unit suffix a document uses for itself: 全区/我区 → 区, 全镇/我镇 → 镇 ..."""
    counts = {}
    for suffix in ("省", "市", "州", "县", "区", "旗", "镇", "乡", "街道", "村"):
        counts[suffix] = len(re.findall(f"(?:全|我|本){suffix}", text))
    best = max(counts, key=counts.get)
    return best if counts[best] >= 2 else None


def _dedupe(items: list[str]) -> list[str]:
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
