"""Numeric targets: indicator, value, unit, comparator, year, baseline, nature.

Sentences are cut into clauses (，；). Each number followed by a unit is a candidate value;
the indicator is read from the text before it (``耕地保有量保持在3.2万亩以上``), after an
action verb (``创建巴渝和美乡村示范镇1个``) or after a classifier (``打造100个示范镇``).
``A和B分别稳定在X、Y以上`` pairs subjects with values; a clause with only a noun and a
value (``示范村4个``) continues the previous one and borrows its prefix.

Only goals are kept: sections reviewing past work (工作基础, 发展成就 …), sentences about a
past period without a goal word, years before the document's own, and numbers that merely
qualify a noun (``500人以上的聚居点``) produce nothing. Ranges (``2—3个``) are skipped.

Comparators: 个百分点 → percentagePoint; 增长/增加/提高/提升 X (not 到/至) → increaseBy
(a *rate* 提高/提升 X% is read as the level it is raised to); 以上/不低于/≥/超过/达到 → gte;
以下/不超过/以内/≤ → lte; 左右/约 → approx; otherwise eq.

Tables (主要指标表) are read by header names: the indicator column (指标), year columns
(first = baseline, last = target), the nature column (属性/性质).

>>> [(t.indicator, t.value, t.unit, t.comparator) for t in find_targets(
...     "全镇粮食面积和产量分别稳定在2.4万亩、1万吨以上，农业科技进步贡献率达到64%")]
[('粮食面积', 2.4, '万亩', 'gte'), ('粮食产量', 1.0, '万吨', 'gte'), ('农业科技进步贡献率', 64.0, '%', 'gte')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.clean import normalise_width
from corpus.model import Document, Provision, Sentence, Table
from kg.extract.indicators import HEADS, IndicatorRegistry, head_of, normalise_indicator
from kg.extract.target_merge import merge_statements
from kg.extract.text import (
    FIVE_YEAR_PLANS,
    make_span,
    split_clauses,
    strip_quotes,
    strip_ws,
)
from kg.records import Quantity, TargetRecord

UNITS = sorted([
    "个百分点", "万人次", "人次", "万亩", "亩", "万吨", "吨", "万头", "头", "万只", "只", "万户", "户",
    "万人", "人", "名", "万元", "亿元", "元", "亿斤", "万斤", "斤", "平方公里", "平方米", "公里", "千米",
    "米", "个", "家", "座", "处", "条", "件", "次", "所", "项", "套", "台", "辆", "场", "支", "期",
    "天", "万千瓦", "千瓦", "%", "％", "倍", "桶", "盏", "眼", "口", "万株", "株", "棵", "栋", "间", "块",
    "艘", "公顷", "万立方米", "立方米", "公斤", "千克",
    "万亿元", "万亿斤", "万亩次", "亩次", "万家", "万个", "万名", "万套", "万辆", "万座",
], key=len, reverse=True)
CLASSIFIERS = {"个", "家", "座", "处", "条", "件", "次", "所", "项", "套", "台", "辆", "场", "支", "期",
               "名", "户", "人", "头", "只", "桶", "盏", "眼", "口", "株", "棵", "栋", "间", "块", "艘"}
_UNIT_ALT = "|".join(re.escape(u) for u in UNITS)


def _is_classifier(unit: str) -> bool:
    """A count word, bare or in ten-thousands (个, 万个, 万名)."""
    return unit in CLASSIFIERS or (unit[:1] == "万" and unit[1:] in CLASSIFIERS)
VALUE_RE = re.compile(
    r"(?<![\d.—\-～~至])(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNIT_ALT + r")"
    r"(?P<suffix>\s*(?:及以上|以上|以下|以内|左右|多)?)"
)
_RANGE_AFTER = re.compile(r"^\s*[—\-～~至到]\s*\d")
GTE_SUFFIX, LTE_SUFFIX, APPROX_SUFFIX = ("以上", "及以上", "多"), ("以下", "以内"), ("左右",)
GTE_WORDS = ("不低于", "不少于", "至少", "超过", "高于", "≥", "突破")
LTE_WORDS = ("不超过", "不高于", "低于", "控制在", "≤", "少于")
LEVEL_VERBS = ("稳定在", "保持在", "控制在", "提升至", "提升到", "提高到", "提高至", "增加到", "增加至",
               "扩大到", "扩大至", "发展到", "发展至", "增至", "扩至", "完成",
               "增长到", "增长至", "下降到", "下降至", "降低到", "降低至", "降至", "达到", "保持", "稳定",
               "超过", "突破", "不低于", "不少于", "不超过", "不高于", "低于", "高于", "至少", "达", "为",
               "占", "在")
GROWTH_VERBS = ("同比增长", "年均增长", "同比提高", "增长", "增加", "提高", "提升", "上升", "下降", "减少",
                "降低")
ACTION_VERBS = (
    "新增培育", "新培育", "培育", "培养", "新创建", "创建", "新改建", "新建", "建成", "建设", "新增", "完成", "打造", "实施",
    "扩大", "安装", "接待", "选派", "培训", "办成", "改造提升", "改造", "改建", "新发展", "发展", "引进",
    "开展", "推广", "争创", "启动", "建立", "巩固提升", "提供", "解决", "吸纳", "带动", "招引", "申报",
    "落实", "整治", "治理", "修复", "种植", "造林", "栽植", "配备", "设立", "举办", "组织", "兑现",
    "拥有", "有", "出台", "制定", "召开", "举办", "安排", "维护", "提升", "巩固", "开发",
)
ADVERBS = ("至少", "统筹", "持续", "积极", "大力", "加快", "全力", "力争", "确保", "常态化", "集中力量", "抓好",
           "每年", "年内", "全年", "新", "再", "共", "累计", "和", "及", "并", "深入", "扎实", "有序",
           "逐步", "稳步", "全面", "重点", "着力", "努力", "争取", "实现", "推动", "推进", "计划")
_YEAR_MARK = re.compile(
    r"(?P<to>到|至|截至|力争|确保|在)?\s*(?:(?P<y1>20\d\d)\s*年?\s*[—\-－~～至到]+\s*)?(?P<y>20\d\d)\s*年"
    r"(?P<tail>底|末|前|内)?"
)
_PLAN_MARK = re.compile(r"[“\"]?(十[一二三四五六]五)[”\"]?(?:期末|末|期间|时期)?")
_RETRO_SECTION = re.compile(r"工作基础|发展基础|现实基础|发展成就|主要成就|取得成效|工作成效|发展现状|"
                            r"基本情况|形势环境|发展环境|面临形势|工作回顾|回顾")
_RETRO_SENT = re.compile(r"十[一二三]五[”\"]?(?:时期|期间|期末|以来)|以来|过去|已经|累计|取得|荣获|"
                         r"实现了|获评|入选")
_GOAL_SENT = re.compile(r"力争|确保|到\s*20\d\d|目标|计划|争取|努力|预计|十[四五六]五")
_PLAN_PERIOD = re.compile(r"(20\d\d)\s*[—\-－~～至到]+\s*(20\d\d)\s*年")
_CONTEXT_PREFIX = re.compile(
    r"^(?:(?:到|至|截至)?\s*20\d\d\s*(?:年?\s*[—\-－~～至到]+\s*20\d\d\s*)?年(?:底|末|前|内)?(?:的)?(?:主要目标是)?|"
    r"(?:到|至)?[“\"]?十[一二三四五六]五[”\"]?(?:期末|末|期间|时期)?|(?:全|我|本)(?:省|市|县|区|镇|乡|街道|村|社区)|"
    r"主要目标是|其中|同时|以及|并且|并|使|让|和|"
    r"[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[）)]|\d{1,2}[.．、](?!\d)|[一二三四五六七八九十]{1,3}、|"
    r"每(?:个|一个)?(?:乡镇|镇街|行政村|村（社区）|省|市|县|区|镇|乡|街道|村|社区|户))"
)
_CONJ_WORDS = ("和美", "和谐", "和睦", "和平", "及时")
_TRAILING_ACTIONS = ("安装", "新建", "建成", "建设", "完成", "实施")
# 由88%提高到95%, 由2023年的38.6亿元提高到46亿元: the value after 由/从 (and its year) is a baseline
_BASE_YEAR_OPT = r"(?:(?P<by>20\d\d)\s*年(?:底|末)?\s*的?)?"
_BASE_BEFORE = re.compile(r"(?:由|从)\s*" + _BASE_YEAR_OPT + r"\s*$")
_RAISED_TO = re.compile(r"\s*(?:提高|提升|增加|增长|下降|降低|减少|扩大|发展)?(?:到|至)")
# a qualified noun whose measure follows: 10万元以上的村占比, 50人以上村比例
_QUALIFIES_NEXT = re.compile(r"(?:以上|以下)?的?[\u4e00-\u9fff]{1,12}?(?:占比|比例|比重|覆盖率|数量|个数)")
# 较2020年减少5%, 比上年增长8%: a comparison base, not the year of a past fact
_BASE_YEAR = re.compile(r"(?:较|比|与|同)\s*(?:20\d\d\s*年(?:末|底)?|上年|去年|上一年)(?:年初预算|预算|相比|同期)?\s*$")
# 县财政每年安排…资金, 区政府统筹…资金: the funder is not part of the measured thing
_FUNDER = re.compile(r"^[\u4e00-\u9fff]{0,8}?(?:每年|年均|累计|共)?(?:安排|筹集|筹措|投入(?!品|强度|产出|占|比|率|水平))"
                     r"(?=[\u4e00-\u9fff]{2})")


@dataclass
class FoundTarget:
    """A target inside one sentence (local offsets)."""

    indicator: str  # the measured thing, completed from context (巴渝和美乡村示范村)
    indicator_text: str  # as written (示范村)
    value: float
    unit: str
    comparator: str
    value_text: str
    start: int
    end: int
    year: int | None = None
    baseline: Quantity | None = None


# A要达到B的30%: the share of A in B
_SHARE_OF = re.compile(r"(?P<a>[\u4e00-\u9fff“”]{2,20}?)(?:要|应|须)?(?:达到|占)(?P<b>[\u4e00-\u9fff“”]{2,12}?)的\s*$")
_MODAL = re.compile(r"^(?:要|应|须|需)(?=建设|新建|建成|创建|培育|实现|达到|完成|打造|新增|引进|发展)")
# the subject of a value-less clause: its text before the first verb (跨越千亿台阶, 实现…)
_CLAUSE_VERB = re.compile(r"跨越|实现|迈上|迈入|突破|站上|保持|达到|稳定|继续|力争|确保|与|和")


def _clause_subject(clause: str) -> str:
    """``地区生产总值跨越千亿台阶`` → 地区生产总值 ('' unless a plain noun leads the clause)."""
    text = _strip_context(clause)
    m = _CLAUSE_VERB.search(text)
    subject = text[: m.start()] if m else ""
    return subject if 2 <= len(subject) <= 16 and re.fullmatch(r"[\u4e00-\u9fff]+", subject) else ""


def _strip_context(text: str) -> str:
    text = text.strip(" ，、；：,;:\t")
    text = _MODAL.sub("", text)
    while True:
        m = _CONTEXT_PREFIX.match(text)
        if not m or not m.group(0):
            break
        text = text[m.end():].strip(" ，、；：,;:\t")
    for w in ("力争", "确保", "争取", "努力", "实现", "推动", "保持"):
        if text.startswith(w):
            text = text[len(w):]
            return _strip_context(text)
    return text


def _strip_action(text: str) -> tuple[str, bool]:
    """Drop adverbs and action verbs from the start: ``统筹新建和改造提升高标准农田`` → 高标准农田."""
    acted = False
    changed = True
    while changed and text:
        changed = False
        for w in ACTION_VERBS:
            if text.startswith(w) and len(text) >= len(w):
                text, changed, acted = text[len(w):], True, True
                break
        if changed:
            text = text.lstrip("、")
            # 新建和改造提升X: the conjunction joins two verbs (not 和美乡村)
            if text[:1] in "和及与" and any(text[1:].startswith(v) for v in ACTION_VERBS):
                text = text[1:]
            continue
        for w in ADVERBS:
            if w in "和及" and text.startswith(_CONJ_WORDS):
                continue  # 和美乡村, 和谐, 及时: a word, not a conjunction
            if text.startswith(w) and len(text) > len(w):
                text, changed = text[len(w):], True
                break
    return text, acted


def _level_verb(pre: str) -> tuple[str, str]:
    """Split ``耕地保有量保持在`` into (subject, verb)."""
    for v in sorted(GROWTH_VERBS + LEVEL_VERBS, key=len, reverse=True):
        if pre.endswith(v):
            return pre[: -len(v)], v
    return pre, ""


def _comparator(verb: str, pre: str, suffix: str, unit: str, indicator: str) -> str:
    if unit == "个百分点":
        return "percentagePoint"
    is_rate = bool(re.search(r"(?<!效)率$|(?:比例|比重|占比)$", indicator))
    if verb in GROWTH_VERBS and not (is_rate and verb in ("提高", "提升")):
        return "increaseBy"
    suffix = suffix.strip()
    if suffix in GTE_SUFFIX:
        return "gte"
    if suffix in LTE_SUFFIX:
        return "lte"
    if suffix in APPROX_SUFFIX or pre.endswith("约"):
        return "approx"
    tail = pre[-4:] + verb
    words = [(w, "gte") for w in GTE_WORDS if w in tail] + [(w, "lte") for w in LTE_WORDS if w in tail]
    if words:  # the longest wins: 不低于 (gte) over 低于 (lte), 不超过 (lte) over 超过 (gte)
        return max(words, key=lambda x: len(x[0]))[1]
    if verb in ("达到", "达", "超过", "突破"):
        return "gte"
    return "eq"


def _year_at(text: str, pos: int, default: int | None) -> int | None:
    """The target year in force at ``pos``: the last year marker before it."""
    year = default
    for m in _YEAR_MARK.finditer(text, 0, pos):
        if re.search(r"(?:较|比|与|同|由|从)\s*$", text[max(0, m.start() - 2): m.start()]):
            continue  # 较2020年, 由2023年的: the base of a change, not its year
        year = int(m.group("y"))
    for m in _PLAN_MARK.finditer(text, 0, pos):
        if m.group(1) in FIVE_YEAR_PLANS:
            year = FIVE_YEAR_PLANS[m.group(1)]
    return year


def _past_year(text: str, pos: int, doc_year: int | None) -> bool:
    """A year marker before ``pos`` in this clause that lies before the document's year."""
    if doc_year is None:
        return False
    for m in _YEAR_MARK.finditer(text, 0, pos):
        if m.group("to") or m.group("y1"):
            continue
        if re.search(r"(?:较|比|与|同|由|从)\s*$", text[max(0, m.start() - 2): m.start()]):
            continue  # 较2020年, 由2023年的: the base of a change
        if int(m.group("y")) < doc_year:
            return True
    return False


_PLACE_LEAD = re.compile(r"^[\u4e00-\u9fff]{1,6}?(?:街道|社区|镇|乡|村|县|区|市)")


def _complete_subjects(subjects: list[str]) -> list[str]:
    """``[粮食播种面积, 产量]`` → ``[粮食播种面积, 粮食产量]``; ``[蔬菜, 水产品产量]`` → ``[蔬菜产量, …]``;
    ``[甲镇, 乙镇, 丙镇供水能力]`` → ``[甲镇供水能力, 乙镇供水能力, 丙镇供水能力]``."""
    out = list(subjects)
    last = _PLACE_LEAD.match(out[-1]) if len(out) > 1 else None
    if last and last.end() < len(out[-1]) and all(_PLACE_LEAD.fullmatch(x) for x in out[:-1]):
        return [x + out[-1][last.end():] for x in out[:-1]] + [out[-1]]
    for i, s in enumerate(out):
        if s in HEADS and i > 0:
            prev = out[i - 1]
            h = head_of(prev)
            out[i] = prev[: len(prev) - len(h)] + s if h else prev + s
    for i in range(len(out) - 2, -1, -1):
        if not head_of(out[i]):
            nxt = head_of(out[i + 1])
            if nxt:
                out[i] = out[i] + nxt
    return out


def _borrow_prefix(item: str, prev: str) -> str:
    """``示范村`` after ``巴渝和美乡村示范镇`` → ``巴渝和美乡村示范村``."""
    if len(item) < 2 or not prev:
        return item
    p = prev.find(item[:2])
    if p > 0 and not item.startswith(prev[:p]):
        return prev[:p] + item
    return item


_DURATION = re.compile(r"(?:工作日|自然日|月|季度|小时|星期|年度)")


def _values(clause: str) -> list[re.Match]:
    out = []
    for m in VALUE_RE.finditer(clause):
        if _RANGE_AFTER.match(clause[m.end("unit"):]) and not m.group("suffix").strip():
            continue
        if m.start() > 0 and clause[m.start() - 1] in "第":
            continue
        if m.group("unit") == "个" and _DURATION.match(clause, m.end()):
            continue  # 3个工作日内, 6个月: a time limit, not a count
        out.append(m)
    return out


def _is_modifier(clause: str, m: re.Match) -> bool:
    """``500人以上的聚居点``, ``10万元以上村``: a number qualifying a noun, not a goal;
    ``200户或500人以上的``: both alternatives."""
    after = clause[m.end():]
    alt = re.match(r"\s*(?:或|至|到)\s*", after)
    if alt:
        nxt = VALUE_RE.match(after, alt.end())
        if nxt:
            return _is_modifier(clause, VALUE_RE.match(clause, m.end() + alt.end()))
    if after.startswith("的"):
        return True
    if _is_classifier(m.group("unit")) and not m.group("suffix").strip():
        return False
    return bool(after) and bool(re.match(r"[\u4e00-\u9fff]", after)) and not re.match(
        r"(每|/|的目标|目标|左右|以上|以下|规模)", after)


def find_targets(sentence: str, default_year: int | None = None,
                 doc_year: int | None = None, before: list[FoundTarget] | None = None) -> list[FoundTarget]:
    """Targets stated in one sentence (offsets local to the sentence); ``before``: the targets of
    the ``；``-chain the sentence continues (the subjects of a bare 分别达到…)."""
    width = normalise_width(sentence)
    if len(width) == len(sentence):  # 6．5％ → 6.5% (offsets unchanged)
        sentence = width
    out: list[FoundTarget] = []
    prev_indicator, prev_action, prev_unit = "", False, ""
    pending = ""  # 地区生产总值跨越千亿台阶，增长7%以上: the subject of a value-less clause
    for c_off, clause in split_clauses(sentence, "，；。！？,;：:"):
        values = _values(clause)
        if not values:
            if not re.search(r"20\d\d\s*年", clause):
                prev_indicator, prev_action = "", False
            pending = _clause_subject(clause)
            continue
        first = values[0]
        pre_all = clause[: first.start()]
        if "分别" in pre_all:
            out.extend(_respectively(sentence, c_off, clause, default_year, doc_year, (before or []) + out))
            prev_indicator = out[-1].indicator if out else ""
            prev_action, pending = False, ""
            continue
        if pending and not prev_indicator and re.fullmatch(r"(?:同比|年均)?(?:" + "|".join(GROWTH_VERBS) + ")",
                                                              _strip_context(pre_all)):
            prev_indicator = pending
        pending = ""
        bound, seen_value = 0, False
        for m in values:
            if _BASE_BEFORE.search(clause[bound: m.start()]) and _RAISED_TO.match(clause[m.end():]):
                continue  # 由88%提高到95%: the baseline, read with the value it is raised to
            if _past_year(clause, m.start(), doc_year):
                bound, seen_value = m.end(), True
                continue
            if _is_modifier(clause, m):
                if not _QUALIFIES_NEXT.match(clause[m.end():]):
                    bound, seen_value = m.end(), True
                continue  # 收入10万元以上的村占比达到60%: the qualifier stays in the indicator
            pre_start = bound
            pre = clause[bound: m.start()]
            if seen_value and "、" in pre:  # 100个示范镇、1000个示范村: 示范镇 belongs to the previous value
                cut = pre.rfind("、") + 1
                pre, pre_start = pre[cut:], bound + cut
            seen_value = True
            nxt = next((v for v in values if v.start() > m.start()), None)
            post = clause[m.end(): nxt.start() if nxt else len(clause)].split("、")[0]
            bound = m.end()
            baseline = None
            bm = re.search(r"(?:由|从)\s*" + _BASE_YEAR_OPT + r"\s*(?P<bv>\d+(?:\.\d+)?)\s*(?P<bu>" + _UNIT_ALT
                           + r")?\s*(?:提高|提升|增加|增长|下降|降低|扩大|发展)?(?:到|至)\s*$", pre)
            if bm:
                baseline = Quantity(value=float(bm.group("bv")), unit=bm.group("bu") or m.group("unit"),
                                    year=int(bm.group("by")) if bm.group("by") else None)
                pre = pre[: bm.start()] + "提高到"
            share = _SHARE_OF.search(pre)
            if share and m.group("unit") in ("%", "％"):  # A要达到B的30%: A's share of B
                pre = pre[: share.start()] + f"{share.group('a')}占{share.group('b')}比重达到"
            pre_clean = _strip_context(pre.lstrip("、和及与"))
            subject, verb = _level_verb(pre_clean.removesuffix("约").removesuffix("大约"))
            if verb in GTE_WORDS + LTE_WORDS:  # 提高到不超过60%: the bound after a verb of change
                subject = _level_verb(subject)[0]
            subject = _BASE_YEAR.sub("", subject.rstrip("约"))
            subject = _strip_context(subject)
            fm = _FUNDER.match(subject)
            if fm:
                subject = subject[fm.end():]
            if "分别" in subject:
                subject = subject[subject.rfind("分别") + 2:]
            if "每" in clause[: m.start()] and m.group("num") == "1" and m.group("unit") in ("个", "次", "名", "人"):
                continue  # 每年召开1次…会, 每个村至少发展1名党员: a standing rule, not a target
            ends_action = (not verb and any(subject.endswith(v) for v in ACTION_VERBS)
                           and _is_classifier(m.group("unit")) and bool(re.match(r"[\u4e00-\u9fff“\"]", post)))
            obj, acted = ("", True) if ends_action else _strip_action(subject)
            if (not ends_action and obj and _is_classifier(m.group("unit"))
                    and re.match(r"[\u4e00-\u9fff“\"]", post) and not re.match(r"(以上|以下|左右)", post)):
                continue  # 支持17个乡镇…, 为原14个区县安排…: a count of what is acted on, not a goal
            indicator = obj if acted else subject
            indicator = re.sub(r"^.*为(?:主导|主|重点|核心|基础|依托)的", "", indicator)
            indicator = re.sub(r"^以[^，]{1,8}方式", "", indicator)
            if indicator != (obj if acted else subject):
                indicator, acted2 = _strip_action(indicator)
                acted = acted or acted2
            indicator = indicator.rstrip("，、的和及").removesuffix("各")
            indicator = re.sub(r"(?:全部|(?<![人年])均|都|进一步|可)$", "", indicator)  # 收入全部达到…: an adverb
            if not indicator.startswith(_CONJ_WORDS):
                indicator = indicator.lstrip("，、的和及")
            if not verb and len(indicator) > 4 and indicator.endswith(_TRAILING_ACTIONS):
                indicator = indicator[: -2]  # 路灯安装60盏: the object before its verb
            if "等" in indicator[1:-1]:  # 水稻、玉米…等农业险种 → 农业险种
                indicator = indicator[indicator.rfind("等") + 1:]
            if verb in GROWTH_VERBS and prev_indicator and re.fullmatch(r"(?:年均|每年|年|同比|平均)?", indicator):
                indicator = written = ""  # …提高到46亿元，年均增长6%: the growth of the previous subject
                indicator_from_prev = prev_indicator
            else:
                indicator_from_prev = ""
            written, end = indicator, m.end()
            if indicator_from_prev:
                indicator = indicator_from_prev
            elif not indicator:
                cand = post.lstrip("的")
                cand = re.sub(r"^(以上|以下|左右)的?", "", cand)
                cut = re.search(r"(?<=..)(开展|进行|参与|实现|下乡|用于|作为|发展$)", cand)
                if cut:
                    cand = cand[: cut.start()]
                if _is_classifier(m.group("unit")) and cand and not re.match(r"[\d，。]", cand):
                    indicator = written = cand.rstrip("和及、")
                    acted = True
                    end = m.end() + post.find(cand) + len(cand)
                elif prev_indicator and prev_unit == m.group("unit"):
                    indicator = prev_indicator
            elif indicator in HEADS and prev_indicator:  # 面积…，产量… → 粮食产量
                h = head_of(prev_indicator)
                indicator = prev_indicator[: len(prev_indicator) - len(h)] + indicator if h else prev_indicator + indicator
            elif prev_action and not acted and not verb:
                indicator = _borrow_prefix(indicator, prev_indicator)
                acted = True
            if not indicator or len(strip_quotes(indicator)) < 2:
                continue
            if re.fullmatch(r"[\d.%％]+", indicator):
                continue
            comparator = _comparator(verb, pre_clean, m.group("suffix"), m.group("unit"), indicator)
            value = float(m.group("num"))
            if comparator == "increaseBy" and verb in ("下降", "减少", "降低"):
                value = -value
            w_at = pre.find(written[:2]) if written and written[:2] in pre else -1
            s = c_off + (pre_start + w_at if w_at >= 0 else m.start())
            e = c_off + end
            out.append(FoundTarget(
                indicator=indicator, indicator_text=written or indicator, value=value, unit=_norm_unit(m.group("unit")),
                comparator=comparator, value_text=strip_ws(clause[m.start(): m.end()]),
                start=s, end=e, year=_year_at(sentence, c_off + m.start(), default_year),
                baseline=baseline,
            ))
            prev_indicator, prev_action, prev_unit = indicator, acted, m.group("unit")
    return out


def _norm_unit(unit: str) -> str:
    return "%" if unit == "％" else unit


_NUMERALS = "一二三四五六七八九十"
_PARALLEL = ("城镇", "农村", "城市", "乡村", "城区", "男性", "女性")


def _share_tail(subjects: list[str]) -> list[str]:
    """``[一, 二, 三产增加值]`` → ``[一产增加值, 二产增加值, 三产增加值]``; ``[城镇, 农村常住居民人均
    可支配收入]`` → ``[城镇常住居民人均可支配收入, …]``: parallel heads before a shared tail."""
    if len(subjects) < 2:
        return subjects
    heads, last = subjects[:-1], subjects[-1]
    n = len(heads[0])
    if any(len(h) != n for h in heads) or len(last) < n + 2:
        return subjects
    numerals = all(h in _NUMERALS for h in heads) and last[0] in _NUMERALS
    parallel = all(h in _PARALLEL for h in heads) and last[:n] in _PARALLEL
    if not (numerals or parallel):
        return subjects
    return [h + last[n:] for h in heads] + [last]


def _respectively(sentence: str, c_off: int, clause: str, default_year: int | None,
                  doc_year: int | None, before: list[FoundTarget] | None = None) -> list[FoundTarget]:
    """``A和B分别稳定在X、Y以上``: one target per subject, values in order; with no subject
    (``2028年分别达到8000万亩次和60%以上``) the subjects are the targets just read before."""
    head, _, tail = clause.partition("分别")
    # 一、二、三产增加值: a list of numerals, not a heading number
    numlist = re.search(f"(?:[{_NUMERALS}]、)+[{_NUMERALS}](?=[\u4e00-\u9fff])", head)
    subj_text = head[numlist.start():] if numlist else _strip_context(head)
    verb = next((v for v in sorted(LEVEL_VERBS + GROWTH_VERBS, key=len, reverse=True) if tail.startswith(v)), "")
    vals_text = tail[len(verb):]
    pieces, off = [], len(head) + 2 + len(verb)
    for piece in vals_text.split("、"):
        pieces.append((off, piece))
        off += len(piece) + 1
    if len(VALUE_RE.findall(pieces[-1][1])) > 1:  # 12万吨、30万吨和8万吨; 7%左右和9%左右
        last_off, last = pieces.pop()
        cut = re.search(r"(?<=[\u4e00-\u9fff%])(?:和|及|与)(?=\d)", last)
        if cut:
            pieces += [(last_off, last[: cut.start()]), (last_off + cut.end(), last[cut.end():])]
        else:
            pieces.append((last_off, last))
    subjects = [s for s in re.split(r"、", subj_text) if s]
    if len(subjects) != len(pieces):
        subjects = [s for s in re.split(r"、|和|及|与", subj_text) if s]
    if not subjects and before and len(before) >= len(pieces):
        subjects = [f.indicator for f in before[-len(pieces):]]
    if len(subjects) == 1 and subjects[0].startswith("城乡") and len(subjects[0]) > 3:
        subjects = ["城镇" + subjects[0][2:], "农村" + subjects[0][2:]]  # 城乡居民…分别: town and country
    if len(pieces) == 1 and len(subjects) > 1:  # A、B分别增长7.5%: one value for each
        pieces = pieces * len(subjects)
    if len(subjects) != len(pieces):
        return []
    written = [_strip_context(s) for s in subjects]
    subjects = _complete_subjects(_share_tail(written))
    last_suffix = ""
    matches = []
    for p_off, piece in pieces:
        m = VALUE_RE.search(piece)
        matches.append(m)
        if m and m.group("suffix").strip():
            last_suffix = m.group("suffix")
    if not last_suffix:
        sm = re.search(r"(以上|以下|左右|以内)\s*$", pieces[-1][1])
        last_suffix = sm.group(1) if sm else ""
    out = []
    for subject, w, (p_off, piece), m in zip(subjects, written, pieces, matches):
        if m is None or _past_year(clause, p_off, doc_year):
            continue
        suffix = m.group("suffix") if m.group("suffix").strip() else last_suffix
        unit = m.group("unit")
        comparator = _comparator(verb, head, suffix, unit, subject)
        out.append(FoundTarget(
            indicator=subject, indicator_text=w, value=float(m.group("num")), unit=_norm_unit(unit),
            comparator=comparator, value_text=strip_ws(piece[m.start(): m.end()]) or strip_ws(piece),
            start=c_off + max(0, clause.find(subject[:2])) if subject[:2] in clause else c_off,
            end=c_off + p_off + m.end(),
            year=_year_at(sentence, c_off + p_off, default_year),
        ))
    return out


# ---------------------------------------------------------------- tables

_TABLE_VALUE = re.compile(r"^(?P<cmp>[≥≤>＞<＜]|不低于|不少于|不超过)?\s*(?P<num>\d+(?:\.\d+)?)\s*"
                          r"(?P<ratio>[:：︰]\s*\d+(?:\.\d+)?)?\s*(?P<unit>%|％|[\u4e00-\u9fff]{0,3})$")


def _table_value(cell: str) -> tuple[float, str, str, str] | None:
    """``≥70`` → (70.0, 'gte', '', ''); ``2:1`` → (2.0, 'eq', '', ':1'); text → None.

    A ratio keeps its printed form: the value is its first term, the unit the rest (``:1``), so
    value and unit read back as printed (``2:1``, ``1.4:1``)."""
    m = _TABLE_VALUE.match(strip_ws(cell))
    if not m:
        return None
    value = float(m.group("num"))
    ratio = ""
    if m.group("ratio"):
        ratio = ":" + re.sub(r"^[:：︰]\s*", "", m.group("ratio")).strip()
    cmp_word = m.group("cmp") or ""
    comparator = "gte" if cmp_word in ("≥", ">", "＞", "不低于", "不少于") else (
        "lte" if cmp_word in ("≤", "<", "＜", "不超过") else "eq")
    return value, comparator, _norm_unit(m.group("unit") or ""), ratio


def _header_index(header: list[str]) -> tuple[int | None, list[tuple[int, int]], int | None, int | None]:
    """(indicator column, [(year column, year)], nature column, unit column)."""
    ind, years, nature, unit = None, [], None, None
    for i, h in enumerate(header):
        h2 = strip_ws(h)
        ym = re.match(r"^(20\d\d)\s*年?", h2)
        if ym:
            years.append((i, int(ym.group(1))))
        elif re.search(r"属性|性质|类型|类别", h2):
            nature = i
        elif re.fullmatch(r"(计量)?单位", h2):
            unit = i
        elif ("指标" in h2 or "名称" in h2) and ind is None:
            ind = i
    return ind, years, nature, unit


def table_targets(table: Table) -> list[tuple[int, str, str, float, str, str, int, Quantity | None, str | None]]:
    """Rows of a target table as (row index, indicator as written, value text, value,
    unit, comparator, year, baseline, nature). Rows whose target is not a number are skipped."""
    ind, years, nature_col, unit_col = _header_index(table.header)
    if ind is None or not years:
        return []
    width = len(table.header)
    out = []
    for r, row in enumerate(table.rows):
        shift = len(row) - width  # merged group cells push the data columns right
        cells = {i: (row[i + shift] if 0 <= i + shift < len(row) else "") for i in range(width)}
        first_data = min(i for i, _ in years)
        indicator = cells[ind].strip()
        for j in range(first_data + shift - 1, -1, -1) if not indicator else ():
            if j < len(row) and row[j].strip() and not re.fullmatch(r"\d+", row[j].strip()):
                indicator = row[j].strip()
                break
        if not indicator:
            continue
        unit_m = re.search(r"[（(]\s*([^（）()]{1,6})\s*[）)]\s*$", indicator)
        unit = _norm_unit(unit_m.group(1)) if unit_m and re.fullmatch(
            r"%|％|[万亿千百]?[\u4e00-\u9fff]{1,2}", unit_m.group(1)) and not unit_m.group(1).endswith(("助理",)) else ""
        if not unit and unit_col is not None and strip_ws(cells[unit_col]):
            unit = _norm_unit(strip_ws(cells[unit_col]))
        target_col, target_year = years[-1]
        parsed = _table_value(cells[target_col])
        if parsed is None:
            continue
        value, comparator, cell_unit, ratio = parsed
        unit = unit or cell_unit or ratio
        baseline = None
        if len(years) > 1:
            b_col, b_year = years[0]
            b = _table_value(cells[b_col])
            if b is not None:
                baseline = Quantity(value=b[0], unit=unit, year=b_year, value_text=strip_ws(cells[b_col]))
        nature = None
        if nature_col is not None:
            nv = strip_ws(cells[nature_col])
            nature = nv if nv in ("约束性", "预期性") else None
        out.append((r, indicator, strip_ws(cells[target_col]), value, unit, comparator, target_year,
                    baseline, nature))
    return out


# ---------------------------------------------------------------- documents

def _doc_years(doc: Document) -> tuple[int | None, int | None]:
    """(default target year, the document's own year)."""
    head = doc.title + "\n" + doc.text[:300]
    period = _PLAN_PERIOD.search(head)
    own = int(doc.date[:4]) if doc.date else None
    if period:
        return int(period.group(2)), own or int(period.group(1))
    ym = re.search(r"(20\d\d)\s*年", doc.title)
    if ym:
        return int(ym.group(1)), own or int(ym.group(1))
    return None, own


def _retro_provision(doc: Document, prov: Provision) -> bool:
    p: Provision | None = prov
    while p is not None:
        if _RETRO_SECTION.search(p.title or ""):
            return True
        try:
            p = doc.provision(p.parent) if p.parent else None
        except KeyError:
            p = None
    return False


def _retro_sentence(text: str) -> bool:
    return bool(_RETRO_SENT.search(text)) and not _GOAL_SENT.search(text)


def extract_targets(doc: Document, registry: IndicatorRegistry | None = None) -> list[TargetRecord]:
    """Every target of a document, sentences and tables, in reading order.

    A target whose sentence names no year takes the year of its ``；``-chain, else of the
    enclosing section heading (二、2024年工作安排), else the document's (its title's plan
    period; its own year for a report of 今年): ``TargetRecord.year_basis`` says which.
    The same goal read in several places (text and table) is one record carrying every statement
    (:func:`kg.extract.target_merge.merge_statements`)."""
    default_year, doc_year = _doc_years(doc)
    own_year = _sets_own_year(doc, doc_year)
    records: list[TargetRecord] = []
    for prov in doc.provisions:
        if _retro_provision(doc, prov):
            continue
        if prov.table is not None:
            records.extend(_table_records(doc, prov, registry))
            continue
        heading_year = _heading_year(doc, prov)
        in_force: int | None = None  # 到2024年底，A…；B…；C…: the year governs the whole ；-chain
        before: list[FoundTarget] = []  # …50%以上；2028年分别达到…: the chain's targets
        for sent in prov.sentences:
            chain = in_force
            chained = sent.text.rstrip().endswith(("；", ";"))
            in_force = _chain_year(sent.text, chain) if chained else None
            if _retro_sentence(sent.text):
                before = []
                continue
            found = find_targets(sent.text, None, doc_year, before)
            before = (before + found) if chained else []
            for f in found:
                basis = "sentence" if f.year is not None else None
                if f.year is None and chain is not None:
                    f.year, basis = chain, "sentence"
                elif f.year is None and heading_year is not None:
                    f.year, basis = heading_year, "heading"
                elif f.year is None and default_year is not None:
                    f.year, basis = default_year, "document"
                elif f.year is None and doc_year is not None and (own_year or _THIS_YEAR.search(sent.text)):
                    f.year, basis = doc_year, "document"
                if not _states_a_goal(f, sent.text, basis):
                    continue
                records.append(_record(doc, prov, sent, f, registry, basis))
    return merge_statements(records)


_THIS_YEAR = re.compile(r"今年|本年|年内|全年")


def _sets_own_year(doc: Document, doc_year: int | None) -> bool:
    """The text names its own year other than as a date (2024年主要目标是, 2024年高标准农田…), so
    its undated tasks are that year's: a township's 2024 work plan, not a 2015 opinion whose goals
    are 到2017年."""
    return doc_year is not None and re.search(rf"{doc_year}\s*年(?!\s*\d{{1,2}}\s*月)", doc.text) is not None


_PERSON_UNITS = ("名", "人", "万名", "万人")
# 最高500万元, 单个企业最高300万元, 省级给予一次性奖补100万元, 1000万元以上的部分为不超过20%: the cap of
# a grant or the rate of a rule, not a goal
_NOT_MEASURED = re.compile(r"(?:最高|最多|部分)$|给予")
_GOAL_WORD = re.compile(_GOAL_SENT.pattern + r"|达到|实现|新增")


def _states_a_goal(f: FoundTarget, sentence: str, basis: str | None) -> bool:
    """A value that measures something and is set as a goal. Not the cap of a grant or the rate of
    a rule (最高500万元, 给予奖补100万元); a count of persons (选派1000名专家) only with a goal: a
    bound, a goal word (力争, 确保, 达到, 新增 …) or a year read from its sentence or heading."""
    if _NOT_MEASURED.search(f.indicator) or _NOT_MEASURED.search(normalise_indicator(f.indicator)[0]):
        return False
    if f.unit not in _PERSON_UNITS or f.comparator != "eq":
        return True
    return basis in ("sentence", "heading") or bool(_GOAL_WORD.search(sentence))
_HEADING_YEAR = re.compile(r"(20\d\d)\s*年")


def _heading_year(doc: Document, prov: Provision) -> int | None:
    """The year a section heading sets for its text (二、2024年工作安排 → 2024), nearest first;
    a heading naming a period (2021—2025年) sets its last year."""
    p: Provision | None = prov
    while p is not None:
        title = p.title or ""
        years = _HEADING_YEAR.findall(title) or re.findall(r"(20\d\d)\s*[—\-－~～至到]", title)[-1:]
        period = _PLAN_PERIOD.search(title)
        if period:
            return int(period.group(2))
        if years:
            return int(years[-1])
        try:
            p = doc.provision(p.parent) if p.parent else None
        except KeyError:
            p = None
    return None


def _chain_year(sentence: str, year: int | None) -> int | None:
    """The goal year a ``；``-ended sentence hands on to the next one: its own 到YYYY年 marker
    (not a 较YYYY年 base), else the one it inherited.

    >>> _chain_year("到2024年底，全镇粮食播种面积稳定在3.2万亩以上；", None), _chain_year("新建农田2000亩；", 2025)
    (2024, 2025)
    """
    for m in _YEAR_MARK.finditer(sentence):
        if m.group("to") and not re.search(r"(?:较|比|与|同)\s*$", sentence[max(0, m.start() - 2): m.start()]):
            year = int(m.group("y"))
    return year


def _record(doc: Document, prov: Provision, sent: Sentence, f: FoundTarget,
            registry: IndicatorRegistry | None, year_basis: str | None = None) -> TargetRecord:
    canonical, iid = normalise_indicator(f.indicator, registry)
    return TargetRecord(
        indicator=canonical, indicator_id=iid, indicator_text=f.indicator_text, value=f.value,
        unit=f.unit, comparator=f.comparator, year=f.year, year_basis=year_basis if f.year else None,
        baseline=f.baseline, nature=None,
        value_text=f.value_text, place=doc.place, doc_id=doc.id, provision_id=prov.id,
        sentence=sent.text, span=make_span(doc, prov, sent, f.start, f.end),
    )


def _table_records(doc: Document, prov: Provision, registry: IndicatorRegistry | None) -> list[TargetRecord]:
    out = []
    rows = table_targets(prov.table) if prov.table else []
    for r, indicator, value_text, value, unit, comparator, year, baseline, nature in rows:
        sent = _row_sentence(prov, indicator)
        canonical, iid = normalise_indicator(indicator, registry)
        span_start = sent.text.find(strip_ws(indicator)[:4]) if sent else -1
        span = make_span(doc, prov, sent, max(span_start, 0), len(sent.text)) if sent else None
        if span is None:
            continue
        written = re.sub(r"\s*[（(]\s*" + re.escape(unit) + r"\s*[）)]\s*$", "", indicator) if unit else indicator
        out.append(TargetRecord(  # 第一产业增加值（亿元）: the unit goes to ``unit``, not into the name
            indicator=canonical, indicator_id=iid, indicator_text=written or indicator, value=value, unit=unit,
            comparator=comparator, year=year, year_basis="heading", baseline=baseline, nature=nature,
            value_text=value_text,
            place=doc.place, doc_id=doc.id, provision_id=prov.id, sentence=sent.text, span=span, source="table",
        ))
    return out


def _row_sentence(prov: Provision, indicator: str) -> Sentence | None:
    """The sentence holding a table row (the parser emits one sentence per row)."""
    for s in prov.sentences:
        if indicator in s.text:
            return s
    return prov.sentences[0] if prov.sentences else None
