"""The 政府工作报告 genre: a speech to a people's congress, often without a title block.

Its metadata is in the speech, not in a letterhead: the title (政府工作报告, printed with spaces
or run together with its subtitle), the session line ("——2018年3月7日在海拉尔区第十五届人民代表大会
第二次会议上", or in brackets) for the date and the jurisdiction, and otherwise the speech itself:
"我代表市人民政府向大会报告工作" gives the unit (市), the closing "…谱写…湖州篇章" or 中共重庆市委 its
name; the issuer is that government.

>>> r = read_report("政 府 工 作 报 告\\n（2024年1月31日在黔东南州第十五届人民代表大会第四次会议上）\\n各位代表：")
>>> r.title, r.date_text, r.place, r.scope
('政府工作报告', '2024年1月31日', '黔东南州', '州')
>>> read_report("各位代表：\\n现在，我代表国务院，向大会报告政府工作。").central
True
>>> read_report("湖州市2024年政府工作报告\\n各位代表：").place
'湖州市'
>>> read_report("关于印发实施方案的通知\\n各乡镇：") is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.numerals import HAN as CJK

TITLE = "政府工作报告"
_DATE = r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_SESSION = re.compile(
    rf"({_DATE})\s*在\s*([{CJK}]{{0,20}}?)\s*第[一二三四五六七八九十]+届(全国)?人民代表大会第[一二三四五六七八九十]+次会议上"
)
_SPEAKER = re.compile(r"我(?:谨)?代表(国务院|([省市州县区旗]|自治区|自治州|自治县)人民政府)")
# 政府工作报告 / 2024年政府工作报告 / 湖州市2024年政府工作报告 (the jurisdiction named in front)
_NAMED_TITLE = re.compile(
    rf"^(?:(?:19|20)\d{{2}}年)?([{CJK}]{{1,12}}?(?:自治区|自治州|自治县|省|市|州|县|区|旗))?(?:(?:19|20)\d{{2}}年)?(?:人民)?{TITLE}"
)
_SALUTATION = re.compile(r"^各位代表[：:！!，,]")
_SCOPES = ("自治区", "自治州", "自治县", "省", "市", "州", "县", "区", "旗")
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
# words that stand where the closing names its place (谱写高质量发展新篇章, 书写新时代篇章)
_NOT_NAMES = ("发展", "时代", "实践", "谱写", "书写", "奋斗", "历史", "辉煌", "壮丽", "崭新", "精彩", "美好",
              "振兴", "现代化", "建设", "事业", "征程", "华章", "宏伟", "绚丽", "光辉", "强国", "复兴")


@dataclass
class Report:
    title: str = TITLE
    date_text: str | None = None  # the session date as printed
    place: str | None = None  # 黔东南州, 重庆市 …
    scope: str | None = None  # the unit the speech uses for itself: 市, 州 …
    central: bool = False
    county_level_city: bool = False  # 省直管市: a 市 at county level


def read_report(text: str, head_chars: int = 600) -> Report | None:
    """The report's own metadata, or None when the text is not a 政府工作报告."""
    head = text[:head_chars]
    lines = [re.sub(r"\s+", "", ln) for ln in head.split("\n") if ln.strip()]
    named = next((m for m in map(_NAMED_TITLE.match, lines[:3]) if m), None)
    titled = named is not None
    spoken = bool(lines) and any(_SALUTATION.match(ln) for ln in lines[:4]) and "向大会报告" in head
    if not (titled or spoken):
        return None
    r = Report()
    if named and named.group(1):
        r.place = named.group(1)
        r.scope = next((x for x in _SCOPES if r.place.endswith(x)), None)
    session = _SESSION.search(re.sub(r"\s+", "", head))
    if session:
        r.date_text = session.group(1)
        if session.group(3):
            r.central = True
        elif session.group(2) and not r.place:
            r.place = session.group(2)
            r.scope = next((s for s in _SCOPES if r.place.endswith(s)), None)
    speaker = _SPEAKER.search(text)
    if speaker and not r.place and not r.central:
        if speaker.group(1) == "国务院":
            r.central = True
        else:
            r.scope = speaker.group(2)
            r.place = _own_name(text, r.scope)
    r.county_level_city = r.scope == "市" and bool(re.search(r"省直管(?:县级)?市", text))
    return r


def _own_name(text: str, scope: str) -> str | None:
    """The jurisdiction's name: 中共X市委, else the name of the closing "…X(新)篇章" that the
    text uses throughout (at least 10 times).

    >>> _own_name("奋力谱写高质量发展新篇章。" + "发展" * 20, "市") is None
    True
    >>> _own_name("书写中国式现代化潜江新篇章。" + "潜江" * 12, "市")
    '潜江市'
    """
    m = re.search(rf"中共([{CJK}]{{2,8}}?{scope})委", text)
    if m:
        return m.group(1)
    best: tuple[int, int, str] | None = None
    for c in re.finditer(rf"([{CJK}]{{2,4}})(?:新)?篇章", text):
        run = c.group(1)
        for k in (2, 3, 4):
            x = run[-k:]
            if len(x) < k:
                continue
            if any(w in x for w in _NOT_NAMES):
                continue
            key = (text.count(x), k, x)
            if key[0] >= 10 and (best is None or key > best):
                best = key
    if best is None:
        return None
    name = best[2]
    return name if name.endswith(scope) else name + scope


def report_level(r: Report) -> str | None:
    """The administrative level the report speaks for.

    >>> report_level(Report(place="重庆市", scope="市")), report_level(Report(scope="市", county_level_city=True))
    ('provincial', 'county')
    """
    if r.central:
        return "central"
    if r.county_level_city:
        return "county"
    if r.scope is None:
        return None
    if r.scope in ("省", "自治区") or (r.scope == "市" and r.place and r.place.startswith(_MUNICIPALITIES)):
        return "provincial"
    if r.scope in ("州", "自治州"):
        return "prefectural"
    if r.scope == "市":
        return "prefectural" if r.place else None  # a 市 may be prefectural or county-level
    return "county"
