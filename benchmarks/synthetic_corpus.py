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
  sentence of a line, never a sentence holding a heading marker 一、（一）第…章).

Headings, the title block and the line layout are kept, so the parser meets the same genre.
Output file names are ``{i:03d}_{source stem without its number}.txt`` (the first round keeps the bundled files'
own numbers, so ``kg/queries/lead_units_003.rq`` still selects exactly one document).
Deterministic for a seed.
"""
from __future__ import annotations

import argparse
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
from kg.gazetteer import default_gazetteer

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


@dataclass(frozen=True)
class Source:
    stem: str
    text: str
    places: tuple[tuple[int, int, str, str], ...]  # (start, end, division code, level) of each place name
    home: str  # the province (first two code digits) most of its places lie in


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
    return Source(path.stem, text, tuple(places), home)


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


# ------------------------------------------------------------------ documents
def mutate(src: Source, round_no: int, seed: int, index: int, salt: int = 0) -> str:
    rng = random.Random(f"{seed}:{index}:{salt}")
    shift = YEAR_SHIFTS[(round_no + seed) % len(YEAR_SHIFTS)]
    text = _swap_places(src, rng)
    text = _mutate_numbers(text, shift, round_no, rng)
    return _mutate_sentences(text, rng)


def output_name(i: int, src: Source) -> str:
    stem = src.stem.split("_", 1)[1] if src.stem[:3].isdigit() and "_" in src.stem else src.stem
    return f"{i:03d}_{stem}.txt"


def generate(n: int, out: Path, seed: int = 0, sources: list[Path] | None = None) -> list[Path]:
    srcs = [load_source(p) for p in (sources or default_sources())]
    if not srcs:
        raise SystemExit("no source documents found")
    out.mkdir(parents=True, exist_ok=True)
    seen = {hashlib.sha256(s.text.encode("utf-8")).digest() for s in srcs}
    written = []
    for i in range(n):
        src, round_no = srcs[i % len(srcs)], i // len(srcs)
        for salt in range(100):
            data = mutate(src, round_no, seed, i, salt).encode("utf-8")
            digest = hashlib.sha256(data).digest()
            if digest not in seen:
                break
        else:
            raise RuntimeError(f"could not make output {i} differ from every other file")
        seen.add(digest)
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
