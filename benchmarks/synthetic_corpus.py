"""A synthetic policy corpus of any size, made by mutating real documents (for scale benchmarks).

    python benchmarks/synthetic_corpus.py --docs 1000 --out /tmp/syn1k [--seed 0] [--sources DIR ...]

Sources: the bundled corpus (``corpus/*.txt``) and the real development documents
(``../shared/real/*.txt`` beside the repository), read once. Output ``i`` derives from source
``i mod len(sources)`` in round ``r = i // len(sources)``; every output is mutated, none is a byte
copy of a source or of another output (checked; the generator re-draws on a collision):

* **places** — prefecture, county and township names found in the text (the gazetteer's official
  names, longest match) are swapped for other divisions of the same level in the same province,
  one consistent mapping per output;
* **years** — every year (1949–2060) is shifted by the round's shift (±1–3, the same for all
  documents of a round); **文号** ``〔YYYY〕N号`` get the shifted year and a new number that
  depends on the round and the old number only, so a document that cites another one of the
  same round still cites it (the cascade links survive);
* **numbers** — every other Arabic number is scaled by its own factor in [0.7, 1.3] (same number
  of decimals; percentages capped at 100); dates (月/日), Arabic list numbers at line start and
  条/款/章 numbers are left alone;
* **sentences** — a few provisions lose a sentence, repeat one, or swap two (never the first
  sentence of a line, never a sentence holding a heading marker 一、（一）第…章);
* **identity** — every output is its own document, as every real one is: its 文号 (when it has
  one) and its dates differ from those of every other output. Dates ``YYYY年M月D日`` (Arabic or
  Chinese numerals, written back in Arabic) move by the output's day offset within their year; a
  source with no document date gets one (a session line for a 政府工作报告, a closing date line
  otherwise). Year shift and day offset come from the output's *global round* ``seed·R + round``
  (R = rounds per seed), so corpora of one size with seeds 0, 1, … (``bench_scale.py
  --store-copies``) do not share documents either. The generator parses every output and
  re-draws the day offset when its document IRI (``kg.graph.document_iri_of``) is already taken,
  so N outputs are N documents in the graph.

Headings, the title block and the line layout are kept, so the parser meets the same genre.
Output file names are ``{i:03d}_{source stem without its number}.txt`` (the first round keeps the bundled files'
own numbers, so ``kg/queries/lead_units_003.rq`` still selects exactly one document).
Deterministic for a seed and a size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import re
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from corpus import BUNDLED_DIR
from corpus.ingest import parse_bytes
from corpus.numerals import cn_number
from corpus.report import read_report
from kg.gazetteer import default_gazetteer
from kg.graph import document_iri_of

REAL_DIR = ROOT.parent / "shared" / "real"
LEVELS = ("prefecture", "county", "township")
SUFFIXES = {
    "prefecture": ("市", "州", "盟", "地区"),
    "county": ("县", "区", "市", "旗"),
    "township": ("镇", "乡", "街道"),
}
ZONE_WORDS = ("开发", "经济", "高新", "园", "管理", "新区", "农场", "林场")
YEAR_SHIFTS = (-3, -2, -1, 1, 2, 3)
MIN_YEAR, MAX_YEAR = 1949, 2060

CN_DIGITS = "一二三四五六七八九十百零〇"
HEADING_MARK = re.compile(rf"[{CN_DIGITS}]+、|（[{CN_DIGITS}]+）|\([{CN_DIGITS}]+\)|第[{CN_DIGITS}]+[章节条部分]")
SENTENCE = re.compile(r"[^。！？]*[。！？]+|[^。！？]+$")
WENHAO = re.compile(r"([〔\[［（(])((?:19|20)\d\d)([〕\]］）)])(\s*)(\d+)(\s*号)")
NUMBER = re.compile(r"(?<![\d.．A-Za-z])(\d+(?:\.\d+)?)(?![\d.．A-Za-z])")
# A name counts as a place only where it cannot be the tail or head of a longer word: after a
# boundary (punctuation, space, a higher division's name, a particle) and not before 村/镇/… —
# so 森林城镇, 就地城镇化 and 宜居乡村 keep their 林城镇, 地城镇, 宜居乡.
PLACE_BEFORE = set("、，。；：,;:（）()“”《》〈〉[]【】 \t\n—-省市县区州盟旗乡镇道共和与及在对于至由向到将把为是的等持进")
NOT_A_PLACE_AFTER = set("村镇域场民间别划值位级")
COMMON_WORDS = {"小城镇", "新城镇", "新建镇", "中心镇", "特色镇", "重点镇", "示范镇", "新市镇", "新城区", "老城区",
                "主城区", "中心城区", "新建区", "开发区", "高新区", "新区"}  # place names that are also words
KEEP_AFTER = ("月", "日", "时", "条", "款", "章", "节", "项", "期", "届", "次会", "号")
AR_DATE = re.compile(r"((?:19|20)\d\d)(\s*年\s*)(\d{1,2})(\s*月\s*)(\d{1,2})(\s*日)")
CN_DATE = re.compile(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
HEAD_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=\s*年)")
MAX_DAY_OFFSET = 365


@dataclass(frozen=True)
class Source:
    stem: str
    text: str
    places: tuple[tuple[int, int, str, str], ...]  # (start, end, division code, level) of each place name
    home: str  # the province (first two code digits) most of its places lie in
    dated: bool  # the parser finds a document date in it
    report: bool  # a 政府工作报告


# ------------------------------------------------------------------ places
@lru_cache(maxsize=1)
def _gazetteer_tables() -> tuple[dict[str, list[tuple[str, str]]], dict[tuple, list[str]]]:
    """name → [(code, level)] for the three levels; (level, province, last character) → names
    to swap in (no development zones: their names are not the genre's place names)."""
    by_name: dict[str, list[tuple[str, str]]] = {}
    pool: dict[tuple, set[str]] = {}
    for d in default_gazetteer().divisions():
        if d.level not in LEVELS or len(d.name) < 3 or not d.name.endswith(SUFFIXES[d.level]) \
                or d.name in COMMON_WORDS:
            continue
        by_name.setdefault(d.name, []).append((d.code, d.level))
        if len(d.name) <= 6 and not any(w in d.name for w in ZONE_WORDS):
            pool.setdefault((d.level, d.code[:2], d.name[-1]), set()).add(d.name)
    return by_name, {k: sorted(v) for k, v in pool.items()}


def _find_places(text: str) -> tuple[list[tuple[int, int, list[tuple[str, str]]]], str]:
    by_name, _ = _gazetteer_tables()
    longest = max(len(n) for n in by_name)
    hits, i = [], 0
    while i < len(text):
        for n in range(min(longest, len(text) - i), 2, -1):
            cands = by_name.get(text[i:i + n])
            if cands and (i == 0 or text[i - 1] in PLACE_BEFORE) and text[i + n:i + n + 1] not in NOT_A_PLACE_AFTER:
                hits.append((i, i + n, cands))
                i += n
                break
        else:
            i += 1
    votes: dict[str, int] = {}
    for _, _, cands in hits:
        if len({c[:2] for c, _ in cands}) == 1:
            votes[cands[0][0][:2]] = votes.get(cands[0][0][:2], 0) + 1
    home = max(sorted(votes), key=votes.get) if votes else ""
    return hits, home


def load_source(path: Path) -> Source:
    text = path.read_text(encoding="utf-8")
    hits, home = _find_places(text)
    places = []
    for start, end, cands in hits:
        code, level = next((c for c in cands if c[0][:2] == home), cands[0])
        places.append((start, end, code, level))
    doc = parse_bytes(text.encode("utf-8"), path.name)
    return Source(path.stem, text, tuple(places), home, doc.date is not None, read_report(text) is not None)


def default_sources() -> list[Path]:
    paths = sorted(Path(BUNDLED_DIR).glob("*.txt"))
    if REAL_DIR.is_dir():
        paths += sorted(REAL_DIR.glob("*.txt"))
    return paths


def _swap_places(src: Source, rng: random.Random) -> str:
    """The text with every place name found replaced by another of the same level and province
    (one mapping for the whole document; names already in the text are not chosen)."""
    _, pool = _gazetteer_tables()
    present = {src.text[s:e] for s, e, _, _ in src.places}
    mapping: dict[str, str] = {}
    for s, e, code, level in src.places:
        name = src.text[s:e]
        if name in mapping:
            continue
        choices = pool.get((level, code[:2], name[-1])) or pool.get((level, src.home, name[-1])) or []
        for _ in range(8):
            new = rng.choice(choices) if choices else name
            if new not in present and new not in mapping.values():
                break
        mapping[name] = new
    out, last = [], 0
    for s, e, _, _ in src.places:
        out.append(src.text[last:s])
        out.append(mapping[src.text[s:e]])
        last = e
    out.append(src.text[last:])
    return "".join(out)


# ------------------------------------------------------------------ numbers and years
def _scale(token: str, rng: random.Random, percent: bool) -> str:
    value = float(token)
    decimals = len(token.split(".")[1]) if "." in token else 0
    new = value * rng.uniform(0.7, 1.3)
    if percent:
        new = min(new, 100.0)
    if decimals == 0:
        new_i = round(new)
        if value >= 1:
            new_i = max(new_i, 1)
        return str(new_i)
    return f"{new:.{decimals}f}"


def _mutate_numbers(text: str, shift: int, round_no: int, rng: random.Random) -> str:
    def wenhao(m: re.Match) -> str:
        year = int(m.group(2)) + shift
        number = (int(m.group(5)) - 1 + 7 * (round_no // len(YEAR_SHIFTS))) % 500 + 1
        return f"{m.group(1)}{year}{m.group(3)}{m.group(4)}{number}{m.group(6)}"

    parts, last = [], 0
    for m in WENHAO.finditer(text):  # 文号 first; their digits are then left alone
        parts.append(_numbers(text[last:m.start()], shift, rng))
        parts.append(wenhao(m))
        last = m.end()
    parts.append(_numbers(text[last:], shift, rng))
    return "".join(parts)


def _numbers(text: str, shift: int, rng: random.Random) -> str:
    def sub(m: re.Match) -> str:
        token, start, end = m.group(1), m.start(), m.end()
        after = text[end:end + 2].lstrip(" ")
        if "." not in token and len(token) == 4 and MIN_YEAR <= int(token) <= MAX_YEAR:
            return str(int(token) + shift)
        line_start = start == 0 or text[start - 1] == "\n" or text[max(0, start - 1):start].isspace() and (
            start < 2 or text[start - 2] == "\n")
        if line_start and after[:1] in (".", "．", "、", ")", "）"):
            return token  # an Arabic list number
        if after.startswith(KEEP_AFTER) or text[max(0, start - 1):start] in ("第", "月", ":", "："):
            return token
        if len(token.replace(".", "")) > 9:
            return token  # codes, phone numbers
        return _scale(token, rng, after[:1] in ("%", "％"))

    return NUMBER.sub(sub, text)


# ------------------------------------------------------------------ sentences
def _mutate_sentences(text: str, rng: random.Random) -> str:
    """Drop, repeat or swap a few sentences (3–8 operations) inside lines; never a line's first
    sentence, never one with a heading marker."""
    lines = text.split("\n")
    slots = []  # (line index, sentence index) that may change
    split = {}
    for li, line in enumerate(lines):
        sents = SENTENCE.findall(line)
        if len(sents) < 2 or "".join(sents) != line:
            continue
        split[li] = sents
        slots += [(li, si) for si in range(1, len(sents)) if not HEADING_MARK.search(sents[si])
                  and sents[si].strip()]
    if not slots:
        return text
    for li, si in sorted(rng.sample(slots, min(len(slots), rng.randint(3, 8))), reverse=True):
        sents = split[li]
        if si >= len(sents):
            continue
        op = rng.random()
        if op < 0.4 and len(sents) > 2:
            del sents[si]
        elif op < 0.8:
            sents.insert(si, sents[si])
        elif si + 1 < len(sents) and not HEADING_MARK.search(sents[si + 1]):
            sents[si], sents[si + 1] = sents[si + 1], sents[si]
        else:
            sents.insert(si, sents[si])
    for li, sents in split.items():
        lines[li] = "".join(sents)
    return "\n".join(lines)


# ------------------------------------------------------------------ identity (dates)
def _moved(year: int, month: int, day: int, days: int) -> tuple[int, int, int] | None:
    """The date ``days`` later within its year (wrapping to January); None for no date."""
    try:
        d = dt.date(year, month, day)
    except ValueError:
        return None
    start = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - start).days
    new = start + dt.timedelta(days=((d - start).days + days) % length)
    return new.year, new.month, new.day


def _move_dates(text: str, shift: int, days: int) -> str:
    """Every full date moved by ``days`` within its year; Chinese-numeral dates also get the
    year shift (Arabic years have had it) and are written in Arabic numerals."""
    def arabic(m: re.Match) -> str:
        new = _moved(int(m.group(1)), int(m.group(3)), int(m.group(5)), days)
        if new is None:
            return m.group(0)
        return f"{new[0]}{m.group(2)}{new[1]}{m.group(4)}{new[2]}{m.group(6)}"

    def chinese(m: re.Match) -> str:
        year = cn_number(m.group(1))
        month, day = cn_number(m.group(2)), cn_number(m.group(3))
        new = _moved(year + shift, month, day, days) if year and month and day else None
        return m.group(0) if new is None else f"{new[0]}年{new[1]}月{new[2]}日"

    return CN_DATE.sub(chinese, AR_DATE.sub(arabic, text))


def _add_date(text: str, src: Source, shift: int, days: int) -> str:
    """Give an undated source a document date: a session line before a report's salutation, a
    closing date line otherwise; the year is the latest one in the head, shifted."""
    years = [int(y) for y in HEAD_YEAR.findall(src.text[:600]) if MIN_YEAR <= int(y) <= MAX_YEAR]
    y, m, d = _moved(max(years, default=2024) + shift, 1, 1, days)
    if src.report:
        return f"（{y}年{m}月{d}日在第一届人民代表大会第一次会议上）\n{text}"
    return f"{text.rstrip()}\n\n{y}年{m}月{d}日\n"


# ------------------------------------------------------------------ documents
def mutate(src: Source, round_no: int, seed: int, index: int, salt: int = 0, rounds_per_seed: int = 0,
           days: int | None = None) -> str:
    """Output ``index`` (round ``round_no`` of its source). Its global round ``t = seed ·
    rounds_per_seed + round_no`` picks the year shift (``t`` mod 6) and, unless ``days`` is given,
    the day offset (``t`` div 6); ``salt`` re-draws the places, numbers and sentences."""
    rng = random.Random(f"{seed}:{index}:{salt}")
    t = seed * rounds_per_seed + round_no if rounds_per_seed else round_no + seed
    shift = YEAR_SHIFTS[t % len(YEAR_SHIFTS)]
    text = _swap_places(src, rng)
    text = _mutate_numbers(text, shift, t, rng)
    text = _mutate_sentences(text, rng)
    days = t // len(YEAR_SHIFTS) % MAX_DAY_OFFSET if days is None else days
    text = _move_dates(text, shift, days)
    return text if src.dated else _add_date(text, src, shift, days)


def output_name(i: int, src: Source) -> str:
    stem = src.stem.split("_", 1)[1] if src.stem[:3].isdigit() and "_" in src.stem else src.stem
    return f"{i:03d}_{stem}.txt"


def generate(n: int, out: Path, seed: int = 0, sources: list[Path] | None = None) -> list[Path]:
    srcs = [load_source(p) for p in (sources or default_sources())]
    if not srcs:
        raise SystemExit("no source documents found")
    out.mkdir(parents=True, exist_ok=True)
    seen = {hashlib.sha256(s.text.encode("utf-8")).digest() for s in srcs}
    iris: set[str] = set()
    rounds = -(-n // len(srcs))
    written = []
    for i in range(n):
        src, round_no = srcs[i % len(srcs)], i // len(srcs)
        days = None
        for salt in range(100):
            data = mutate(src, round_no, seed, i, salt, rounds, days).encode("utf-8")
            digest = hashlib.sha256(data).digest()
            if digest in seen:
                continue
            iri = document_iri_of(parse_bytes(data, output_name(i, src)))
            if iri not in iris:
                break
            days = random.Random(f"{seed}:{i}:{salt}").randrange(MAX_DAY_OFFSET)
        else:
            raise RuntimeError(f"could not make output {i} differ from every other file and document")
        seen.add(digest)
        iris.add(iri)
        path = out / output_name(i, src)
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, required=True, help="number of documents to write")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sources", type=Path, nargs="*", help="source folders (default: bundled + ../shared/real)")
    args = ap.parse_args(argv)
    sources = None
    if args.sources:
        sources = sorted(p for d in args.sources for p in d.glob("*.txt"))
    t0 = time.perf_counter()
    files = generate(args.docs, args.out, args.seed, sources)
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} documents ({size / 1e6:.1f} MB) to {args.out} in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
