"""Agencies: issuing bodies, departments, town offices, stations — normalised per jurisdiction.

A short form's leading 县/市/区/镇 stands for the document's own jurisdiction at that level, so
it is expanded (县农业农村局 in a 开江县 document → 开江县农业农村局; 镇经济发展板块 in a
垫江县三溪镇 document → 垫江县三溪镇经济发展板块); the short form is kept as an alias. The same
agency named in two documents of the same place is then one node ``agency:{full name}``.

>>> n = AgencyNormaliser(county="开江县", prefecture="达州市", province="四川省")
>>> n("县农业农村局"), n("县级相关行业主管部门"), n("县城乡融合发展中心等"), n("市场监管局")
('开江县农业农村局', '开江县相关行业主管部门', '开江县城乡融合发展中心', '市场监管局')
>>> agency_kind("县委组织部"), agency_kind("镇经济发展板块"), agency_kind("三溪派出所"), agency_kind("开江县各村")
('部门', '板块', '站所', '泛指')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import Document
from corpus.numerals import HAN as _CJK
from kg.extract.places import PlaceContext
from kg.extract.text import iter_sentences, make_span
from kg.extract.unit_lists import iter_unit_lists
from kg.gazetteer import name_aliases
from kg.records import Entity, Mention

# head words an agency name ends with, longest first
AGENCY_HEADS = (
    "人民政府", "委员会", "党工委", "管委会", "领导小组办公室", "领导小组", "办公室", "办事处", "党政办",
    "服务中心", "发展中心", "储备中心", "编制中心", "中心", "板块", "派出所", "司法所", "工作站", "供销社",
    "纪委监委", "政法委", "编办", "农办", "局", "部", "办", "委", "站", "所", "院", "队",
)
_HEAD_ALT = "|".join(AGENCY_HEADS)
# words that begin with 市/县/区/镇/乡 but are not a jurisdiction prefix
_NOT_PREFIX = ("市场", "市民", "市级", "县域", "县级", "区域", "区级", "区位", "乡村", "乡镇", "镇村", "镇级",
               "乡级", "省级", "县城乡")
_TRAILING = re.compile(r"(相关岗位|相关科室|等单位|等部门|等)$")
_LEVEL_PREFIX = re.compile(r"^(省|市|县|区|镇|乡|街道)级")
_PARTY_COMMITTEE = re.compile(r"^(?:中共)?(?P<place>[\u4e00-\u9fff]{2,30}?(?:省|市|县|区|镇|乡|街道|经开区))(?:委员会|党委|委)$")
# single-character heads followed by these characters are ordinary words (部署, 办法, 所有 …)
_HEAD_BAD_NEXT = {"部": set("署门分位"), "办": set("法理好事成"), "委": set("员托"), "所": set("有在需以得属"),
                  "站": set("点位"), "院": set("落子坝"), "队": set("伍"), "局": set("面部势")}


_COLLECTIVE = re.compile(r"各(?:村|社区|村（社区）|乡镇|镇街|镇|乡|街道|区县|县|市)$")


def agency_kind(name: str) -> str:
    """A coarse kind: 党委 / 政府 / 部门 / 板块 / 领导小组 / 站所 / 村级组织 / 泛指."""
    if name.startswith("各") or re.search(r"(相关|各)[^、]*(部门|单位)$", name) or _COLLECTIVE.search(name):
        return "泛指"  # 各村, 青岗县石门镇各村: every village, not one agency
    if name.endswith(("领导小组", "领导小组办公室")):
        return "领导小组"
    if name.endswith("板块"):
        return "板块"
    if name.endswith(("派出所", "司法所", "工作站", "站", "所")):
        return "站所"
    if name.endswith(("人民政府", "政府", "管委会", "办事处")) or re.search(r"(街道|镇|乡)$", name):
        return "政府"
    if re.search(r"(党委|党工委)$", name) or (name.startswith("中共") and name.endswith(("委员会", "委"))) \
            or re.search(r"[省市县区镇乡]委$", name):
        return "党委"
    if "村" in name and ("集体经济组织" in name or name.endswith(("村委会", "村民委员会"))):
        return "村级组织"
    return "部门"


@dataclass
class AgencyNormaliser:
    """Expands jurisdiction short forms with the document's place names; callable."""

    province: str | None = None
    prefecture: str | None = None
    county: str | None = None  # 县/区 (or a county-level zone: 万盛经开区)
    township: str | None = None  # 三溪镇 (written after the county)
    local_places: set[str] = field(default_factory=set)  # township names of the county
    place_aliases: dict[str, str] = field(default_factory=dict)  # 彭水自治县 → 彭水苗族土家族自治县

    @classmethod
    def from_context(cls, ctx: PlaceContext | None) -> "AgencyNormaliser":
        """A normaliser for the document whose jurisdiction is ``ctx`` (its county's township
        names included: 淙城街道 → 开江县淙城街道)."""
        if ctx is None:
            return cls()
        lv = {d.level: d.name for d in ctx.chain}
        if not ctx.chain and ctx.written:  # unresolved: the names the document writes (青岗县石门镇)
            lv = dict(ctx.written)
            if ctx.level == "township" and ctx.name:
                lv["township"] = ctx.name.removeprefix(lv.get("county", ""))
        county = lv.get("county")
        if ctx.zone is not None:
            county = ctx.zone["name"]
        aliases = {}
        for d in ctx.chain:
            for a in name_aliases(d.name, d.level):
                if a[-1] in "县州旗镇乡区市" and a != d.name:
                    aliases[a] = d.name
        local = set(ctx.local_townships)
        if lv.get("township"):
            local.add(lv["township"])
        return cls(lv.get("province"), lv.get("prefecture"), county, lv.get("township"), local, aliases)

    @property
    def jurisdiction(self) -> str | None:
        """The full written jurisdiction (垫江县三溪镇, 开江县, 重庆市)."""
        if self.township:
            return (self.county or "") + self.township
        return self.county or self.prefecture or self.province

    def _city(self) -> str | None:
        for name in (self.prefecture, self.province):
            if name and name.endswith("市"):
                return name
        return self.prefecture

    def expand(self, prefix: str) -> str | None:
        """The full name standing for a one-character jurisdiction prefix."""
        if prefix == "省":
            return self.province
        if prefix == "市":
            return self._city()
        if prefix in ("县", "区"):
            return self.county
        if prefix in ("镇", "乡", "街道"):
            return self.jurisdiction if self.township else None
        return None

    def __call__(self, surface: str) -> str:
        name = self._expand(surface)
        m = _PARTY_COMMITTEE.match(name)
        if m:  # 中共开江县委 ≡ 开江县委 ≡ 中共开江县委员会; 龙溪镇党委 ≡ 中共…龙溪镇委员会
            return f"中共{m['place']}委员会"
        return name

    def _expand(self, surface: str) -> str:
        name = re.sub(r"\s+", "", surface)
        name = _TRAILING.sub("", name) or name
        for alias, official in self.place_aliases.items():
            if alias in name and official not in name:
                name = name.replace(alias, official, 1)
                break
        if self.township and _OFFICE.fullmatch(name):  # an unprefixed town office: the town's own
            short = self.township[:-1]
            if name.startswith(short) and not name.startswith(self.township):
                return (self.county or "") + name  # 三溪派出所 → 垫江县三溪派出所
            return (self.jurisdiction or "") + name  # 乡村振兴办 → …龙溪镇乡村振兴办
        if name.startswith("各") and self.jurisdiction:
            return self.jurisdiction + name
        m = _LEVEL_PREFIX.match(name)
        if m:
            full = self.expand(m.group(1))
            return full + name[m.end():] if full else name
        if name.startswith(_NOT_PREFIX) and not name.startswith("县城乡"):
            return name
        for prefix in ("街道", "省", "市", "县", "区", "镇", "乡"):
            if name.startswith(prefix) and len(name) > len(prefix):
                full = self.expand(prefix)
                if full and not name.startswith(full):
                    return full + name[len(prefix):]
                return name
        body = name[2:] if name.startswith("中共") else name
        if self.county and any(body.startswith(p) for p in self.local_places) and not body.startswith(self.county):
            return name[: len(name) - len(body)] + self.county + body
        return name

    def is_generic(self, surface: str) -> bool:
        """True for a short form whose prefix this document cannot expand (镇党委 in a county
        plan means every town's committee, not one agency)."""
        name = re.sub(r"\s+", "", surface)
        for prefix in ("街道", "省", "市", "县", "区", "镇", "乡"):
            if name.startswith(prefix) and not name.startswith(_NOT_PREFIX):
                return self.expand(prefix) is None
        return False


def agency_id(name: str) -> str:
    """Entity id of a normalised agency name."""
    return f"agency:{name}"


_PREFIXED = re.compile(
    rf"(?:中共)?(?:[{_CJK}]{{2,12}}?(?:省|市|县|区|州|镇|乡|街道)|[省市县区镇乡])"
    rf"[{_CJK}]{{0,10}}?(?:{_HEAD_ALT})"
)
_BODY_STOP = set("和与及、同并在对向把将按为由从到的了是")
# verbs that follow a unit and start what it does (never inside an agency name)
_ACTION_STOP = re.compile(r"牵头|负责|开展|配合|落实|做好|督查|督办|抓好|承担")


def _candidates(text: str, norm: AgencyNormaliser, places: set[str]) -> list[tuple[int, int, str]]:
    """Agency names in running text: a jurisdiction prefix (开江县/县/镇/中共X) + body + head."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    prefixes = sorted({p for p in places if p}, key=len, reverse=True)
    while pos < len(text):
        best = None
        ch = text[pos]
        starts = []
        if text.startswith("中共", pos):
            starts.append(pos + 2)
        starts.append(pos)
        for s in starts:
            plen = 0
            for p in prefixes:
                if text.startswith(p, s):
                    plen = len(p)
                    break
            if plen == 0 and text[s:s + 1] in ("县", "市", "区", "镇") and \
                    not text.startswith(_NOT_PREFIX, s) and (s == 0 or not re.match(f"[{_CJK}]", text[s - 1])
                                                            or text[s - 1] in "和与及、向由到在对经"):
                plen = 1
            if plen == 0:
                continue
            best = _longest_head(text, pos, s + plen)
            if best:
                break
        if best:
            out.append((pos, best, text[pos:best]))
            pos = best
        else:
            pos += 1
        del ch
    return out


def _longest_head(text: str, start: int, body_start: int) -> int | None:
    """End of the longest agency name from ``start`` whose body has no stop characters."""
    end = None
    limit = min(len(text), body_start + 14)
    verb = _ACTION_STOP.search(text, body_start, limit)
    if verb:  # 镇纪委牵头开展督查督办: the unit ends where its action begins
        limit = verb.start()
    for j in range(body_start, limit + 1):
        if j > body_start and (not re.match(f"[{_CJK}]", text[j - 1]) or text[j - 1] in _BODY_STOP):
            break
        for h in AGENCY_HEADS:
            if j - len(h) >= body_start - 1 and text.endswith(h, 0, j) and j - start >= 2:
                if j < len(text) and text[j] in _HEAD_BAD_NEXT.get(h, ()):
                    continue
                if j - len(h) >= body_start or h in ("委", "人民政府", "政府", "委员会", "党委", "党工委"):
                    end = j
                    break
    return end


def extract_agencies(doc: Document, places_ctx: PlaceContext | None,
                     normaliser: AgencyNormaliser | None = None) -> tuple[list[Entity], list[Mention]]:
    """Agency entities and their mentions: issuers, agencies named in sentences with a
    jurisdiction prefix (县委组织部, 开江县互联网大数据中心, 中共垫江县委), town offices, and every
    unit of the 责任单位 / 牵头单位 lists."""
    norm = normaliser or AgencyNormaliser.from_context(places_ctx)
    place_names = {d.name for d in (places_ctx.chain if places_ctx else [])}
    if places_ctx and places_ctx.zone:
        place_names.add(places_ctx.zone["name"])
    place_names |= norm.local_places | set(norm.place_aliases)
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    chain_names = [d.name for d in (places_ctx.chain if places_ctx else [])]
    if places_ctx and places_ctx.zone:
        chain_names.insert(0, places_ctx.zone["name"])

    def add(surface: str, span=None) -> str:
        full = norm(surface)
        eid = agency_id(full)
        ent = entities.get(eid)
        if ent is None:
            place = next((p for p in chain_names if p in full), norm.jurisdiction)
            ent = entities[eid] = Entity(id=eid, type="agency", name=full,
                                         attrs={"place": place, "kind": agency_kind(full)})
        if surface != full and surface not in ent.aliases:
            ent.aliases.append(surface)
        if span is not None:
            mentions.append(Mention(entity_id=eid, surface=surface, span=span))
        return eid

    for issuer in doc.issuers:
        add(issuer)
    in_lists: set[tuple[str, int]] = set()
    for prov, sent, items in iter_unit_lists(doc):
        for a, b, surface in items:
            add(surface, make_span(doc, prov, sent, a, b))
            in_lists.update((sent.id, k) for k in range(a, b))
    township_doc = norm.township is not None
    for prov, sent in iter_sentences(doc):
        found = _candidates(sent.text, norm, place_names)
        if township_doc:
            found += _town_offices(sent.text, norm)
        for a, b, surface in sorted(found):
            if (sent.id, a) in in_lists or not _plausible(surface) or norm.is_generic(surface):
                continue
            add(surface, make_span(doc, prov, sent, a, b))
    return list(entities.values()), mentions


_OFFICE = re.compile(r"(?:乡村振兴办|党政办公室|党政办|综治办|社会事务办|农业服务中心|便民服务中心|"
                     r"[\u4e00-\u9fff]{2}(?:派出所|司法所|财政所|供电所|卫生院))")


def _town_offices(text: str, norm: AgencyNormaliser) -> list[tuple[int, int, str]]:
    """Unprefixed offices of a township document (乡村振兴办, 三溪派出所); a 2-character
    prefix must be the township's own short name."""
    out = []
    short = (norm.township or "")[:-1] if norm.township and norm.township.endswith(("镇", "乡")) else None
    for m in _OFFICE.finditer(text):
        a, b = m.span()
        if a > 0 and text[a - 1] in "镇乡县区市":
            continue  # part of a prefixed name, found by the prefix rule
        word = m.group(0)
        if word[-3:] in ("派出所", "司法所", "财政所", "供电所") or word.endswith("卫生院"):
            if word[:2] != short:
                continue
        out.append((a, b, word))
    return out


def _plausible(name: str) -> bool:
    """Reject generic phrases (县委书记 is a person, 全县 a place)."""
    if len(name) < 3:
        return False
    return not re.search(r"(书记|干部|领导|同志|人员)$", name)
