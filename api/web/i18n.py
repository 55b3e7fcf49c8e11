"""UI strings in Chinese (default) and English.

>>> t = translator("en")
>>> t("search")
'Search'
>>> translator("zh")("level.township")
'乡镇'
>>> translator("xx")("search")  # unknown language falls back to Chinese
'检索'
>>> pick_lang("en", None), pick_lang(None, "en"), pick_lang("fr", None)
('en', 'en', 'zh')
"""
from __future__ import annotations

from typing import Callable

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, tuple[str, str]] = {
    "app.name": ("政策知识图谱", "Policy KG"),
    "app.tagline": ("乡村振兴政策文件的知识图谱与语义检索", "Knowledge graph and semantic search over rural-revitalisation policy"),
    "nav.search": ("检索", "Search"),
    "nav.documents": ("文件", "Documents"),
    "nav.entities": ("实体", "Entities"),
    "nav.cascade": ("层级传导", "Cascade"),
    "nav.precedent": ("先例查找", "Precedent"),
    "nav.concept": ("概念", "Concept"),
    "nav.sparql": ("SPARQL", "SPARQL"),
    "nav.api": ("API 文档", "API docs"),
    "search": ("检索", "Search"),
    "search.placeholder": ("输入检索词，如：农业科技进步贡献率", "Type a query, e.g. 农业科技进步贡献率"),
    "search.results": ("检索结果", "Results"),
    "search.none": ("没有找到匹配的条文。", "No matching provisions."),
    "search.sort": ("排序", "Sort"),
    "search.sort.relevance": ("相关度", "relevance"),
    "search.sort.date": ("日期（新→旧）", "date (newest first)"),
    "search.scope": ("邻近", "Proximity"),
    "search.scope.sentence": ("同句", "same sentence"),
    "search.scope.provision": ("同条", "same provision"),
    "search.cutoff": ("语义阈值", "Semantic cut-off"),
    "search.syntax": ("检索语法", "Query syntax"),
    "search.prev": ("上一页", "Previous"),
    "search.next": ("下一页", "Next"),
    "search.match.exact": ("完整匹配", "exact"),
    "search.match.terms": ("全部检索词", "all terms"),
    "search.match.semantic": ("语义相近", "semantic"),
    "concept.not_found": ("没有文件提及该概念。", "No document mentions this concept."),
    "concept.neighbours": ("语义相近（非提及）", "Semantically close (not mentions)"),
    "concept.suggestions": ("您是否要找", "Suggestions"),
    "match.suggestion": ("建议", "suggestion"),
    "search.hint": ("在全部政策文件中按句检索，结果标注出处。", "Search every sentence of every document; each result is cited."),
    "filter.level": ("层级", "Level"),
    "filter.place": ("地区", "Place"),
    "filter.doc": ("文件", "Document"),
    "filter.year": ("年份", "Year"),
    "filter.type": ("事实类型", "Fact type"),
    "filter.any": ("全部", "Any"),
    "filter.k": ("条数", "Results"),
    "facets": ("分面统计", "Facets"),
    "score": ("相关度", "Score"),
    "doc.title": ("标题", "Title"),
    "doc.number": ("文号", "Doc. number"),
    "doc.number.inferred": ("据引用推断", "inferred from a citation"),
    "doc.date": ("成文日期", "Date"),
    "doc.issuers": ("发文机关", "Issuers"),
    "doc.level": ("层级", "Level"),
    "doc.place": ("地区", "Place"),
    "doc.genre": ("文种", "Genre"),
    "doc.source": ("源文件", "Source file"),
    "doc.provisions": ("条文", "Provisions"),
    "doc.outline": ("目录", "Outline"),
    "doc.text": ("正文", "Text"),
    "doc.cites": ("引用的文件", "Cites"),
    "doc.cited_by": ("被引用", "Cited by"),
    "doc.chain": ("层级链", "Cascade chain"),
    "doc.chain.none": ("无上下级文件链接。", "No linked upper or lower documents."),
    "doc.entities": ("实体", "Entities"),
    "doc.targets": ("目标指标", "Targets"),
    "doc.slogans": ("提法", "Slogans"),
    "doc.outside": ("语料库外", "outside the corpus"),
    "doc.compare": ("与上级文件对比", "Compare with upper document"),
    "documents.count": ("份文件", "documents"),
    "relation.applies": ("贯彻落实", "implements"),
    "relation.based_on": ("根据", "based on"),
    "relation.cites": ("引用", "cites"),
    "inferred": ("推断", "inferred"),
    "entity": ("实体", "Entity"),
    "entity.type": ("类型", "Type"),
    "entity.aliases": ("别名", "Aliases"),
    "entity.mentions": ("提及", "Mentions"),
    "entity.components": ("组成", "Components"),
    "entity.targets": ("各级目标", "Targets over levels"),
    "entity.chart": ("各级各年目标值", "Target values by level and year"),
    "entity.attrs": ("属性", "Attributes"),
    "entities.filter": ("筛选", "Filter"),
    "entities.q": ("名称包含", "Name contains"),
    "type.place": ("地名", "Place"),
    "type.agency": ("机构", "Agency"),
    "type.program": ("行动/工程", "Program"),
    "type.slogan": ("提法", "Slogan"),
    "type.brand": ("品牌", "Brand"),
    "type.indicator": ("指标", "Indicator"),
    "type.target": ("目标", "Target"),
    "level.central": ("中央", "Central"),
    "level.provincial": ("省级", "Provincial"),
    "level.prefectural": ("地市级", "Prefectural"),
    "level.county": ("区县级", "County"),
    "level.township": ("乡镇", "Township"),
    "level.village": ("村", "Village"),
    "level.unknown": ("未知", "Unknown"),
    "cascade.upper": ("上级文件", "Upper document"),
    "cascade.lower": ("下级文件", "Lower document"),
    "cascade.run": ("对比", "Compare"),
    "cascade.pairs": ("条文对齐", "Aligned provisions"),
    "cascade.lower_only": ("下级新增（本地内容）", "Local additions (lower only)"),
    "cascade.upper_only": ("上级未落实的条文", "Upper provisions not taken up"),
    "cascade.merged": ("并入下级条文的上级条文", "Upper provisions merged into a lower one"),
    "cascade.targets": ("目标变化（层层加码）", "Target moves"),
    "cascade.slogans": ("提法演变", "Slogan genealogy"),
    "cascade.findings": ("发现", "Findings"),
    "finding.unlocalised_copy": ("“{word}”照搬上级文件表述，未本地化（{number}）",
                                 "“{word}” copied unchanged from the upper document ({number})"),
    "finding.higher_jurisdiction_reference": ("引用上级行政区表述：“{word}”（{number}）",
                                              "refers to a higher jurisdiction: “{word}” ({number})"),
    "finding.foreign_place": ("提及辖区以外的地名：“{word}”（{number}）",
                              "names a place outside the jurisdiction: “{word}” ({number})"),
    "finding.slogan_count_mismatch": ("“{word}”所列条目数与其数词不符",
                                      "“{word}” lists a different number of items than its numeral"),
    "cascade.indicator": ("指标", "Indicator"),
    "cascade.move": ("变化", "Move"),
    "cascade.relation": ("关系", "Relation"),
    "cascade.kept": ("保留", "Kept"),
    "cascade.renamed": ("更名", "renamed"),
    "cascade.undefined": ("两级文件均只提及、未列出组成", "mentioned at both levels; components not listed"),
    "cascade.reworded": ("改写", "Reworded"),
    "cascade.added": ("新增", "Added"),
    "cascade.dropped": ("删去", "Dropped"),
    "cascade.pick": ("选择上级与下级文件进行逐条对比。", "Pick an upper and a lower document to compare provision by provision."),
    "move.raised": ("加码", "raised"),
    "move.lowered": ("降低", "lowered"),
    "move.same": ("持平", "same"),
    "move.incomparable": ("不可比", "incomparable"),
    "precedent.draft": ("草拟条文", "Draft sentence"),
    "precedent.placeholder": ("粘贴一句或一段草拟的政策文字，查找已有文件中的相近表述。", "Paste a draft sentence or paragraph to find the closest existing wording."),
    "precedent.find": ("查找先例", "Find precedents"),
    "precedent.copy": ("复制引文", "Copy citation"),
    "precedent.copied": ("已复制", "Copied"),
    "precedent.diff": ("与草稿的差异", "Difference from the draft"),
    "precedent.reuse": ("相同表述复用", "Identical wording reused"),
    "precedent.part": ("草稿第{n}句", "Draft sentence {n}"),
    "precedent.parts": ("草稿句数", "Sentences in the draft"),
    "concept.name": ("概念名称", "Concept name"),
    "concept.occurrences": ("出现位置", "Occurrences"),
    "concept.match": ("匹配方式", "Match"),
    "match.label": ("名称", "label"),
    "match.alias": ("别名", "alias"),
    "match.semantic": ("语义相近", "semantic"),
    "sparql.title": ("SPARQL 查询", "SPARQL query editor"),
    "sparql.examples": ("示例查询", "Example queries"),
    "sparql.endpoint": ("端点", "Endpoint"),
    "error": ("出错了", "Something went wrong"),
    "error.back": ("返回首页", "Back to search"),
    "lang.switch": ("English", "中文"),
    "provision": ("条款", "Provision"),
    "citation": ("引文", "Citation"),
    "value": ("数值", "Value"),
    "year": ("年份", "Year"),
    "document": ("文件", "Document"),
    "count": ("数量", "Count"),
    "none": ("无", "None"),
}

# ---- lists, export, home page and warm-up (issue 19b) -------------------------------------------
STRINGS.update({
    "nav.targets": ("目标", "Targets"),
    "list.sort_by": ("点击排序（再次点击反向）", "Sort by this column (click again to reverse)"),
    "list.showing": ("第 {a}–{b} 条，共 {n} 条", "{a}–{b} of {n}"),
    "list.page_of": ("第 {p} / {n} 页", "page {p} of {n}"),
    "list.pages": ("分页", "Pages"),
    "list.per_page": ("每页", "Per page"),
    "list.empty": ("没有符合条件的条目。", "Nothing matches these filters."),
    "list.undated": ("未注明日期", "undated"),
    "list.undated_excluded": ("{n} 份未注明日期的文件未列出（按年份筛选时无法归入任何年份）。",
                              "{n} undated documents are not listed (a year filter cannot place them)."),
    "list.comparator": ("比较", "Comparison"),
    "export.label": ("导出本页数据：", "This data as"),
    "warm.banner": ("正在加载检索模型…检索、先例查找与概念页稍后可用；文件、实体、目标、层级传导与 SPARQL 页面现在即可使用。",
                    "Loading the search model… Search, precedent and concept follow shortly; documents, entities, "
                    "targets, cascade and SPARQL work now."),
    "warm.retry": ("本页将自动刷新。", "This page will reload by itself."),
    "home.glance": ("语料概览", "The corpus at a glance"),
    "home.counts": ("{docs} 份文件 · {ents} 个实体 · {targets} 条目标", "{docs} documents · {ents} entities · {targets} targets"),
    "home.total": ("合计", "Total"),
    "home.concepts": ("最常见的提法、行动与指标", "Most shared slogans, programmes and indicators"),
    "home.concepts.note": ("数字为提及该概念的文件数。", "The number is how many documents name it."),
    "home.examples": ("试一试", "Try"),
    "home.sparql.indicator": ("各文件中“{name}”的目标值", "Targets of “{name}” in every document"),
    "home.sparql.levels": ("各层级的文件数", "Documents per level"),
    "cmp.gte": ("不低于", "at least"),
    "cmp.lte": ("不高于", "at most"),
    "cmp.approx": ("约", "about"),
    "cmp.eq": ("为", "equal to"),
    "cmp.increaseBy": ("增加", "increase by"),
    "cmp.percentagePoint": ("提高（百分点）", "up (percentage points)"),
})


def pick_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The UI language: ``?lang=`` wins over the cookie; anything unknown → Chinese."""
    for cand in (query_lang, cookie_lang):
        if cand in LANGS:
            return cand
    return DEFAULT_LANG


def translator(lang: str) -> Callable[[str], str]:
    """A lookup ``t(key)`` for one language; unknown keys come back unchanged."""
    idx = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = STRINGS.get(key)
        return pair[idx] if pair else key

    return t
