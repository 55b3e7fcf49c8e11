"""Chinese numerals, dates and the CJK character range: one definition each, for every layer.

Numerals are read by ``cn2an`` (a maintained converter), dates validated by ``datetime``, and the
range of Chinese characters comes from ``zhon``. ``cn2an`` is imported on the first numeral it reads:
its import compiles its patterns (0.3–1 s), which every process that imports ``corpus`` (the
CLI's search path included) would otherwise pay.

>>> [cn_number(x) for x in ("三十四", "十一", "一百零二", "二〇", "一千零一", "两", "7", "甲", "")]
[34, 11, 102, 20, 1001, 2, 7, None, None]
>>> valid_date(2024, 2, 31), valid_date(2024, 2, 29)
(None, '2024-02-29')
>>> import re
>>> bool(re.fullmatch(f"[{HAN}]+", "乡村振兴㐀")), bool(re.fullmatch(f"[{HAN}]+", "abc"))
(True, False)
"""
from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from zhon import hanzi

HAN = hanzi.characters  # every Han character (ideographs, extensions, compatibility forms, 〇), as a regex class body
CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "十百千万亿"


@lru_cache(maxsize=4096)
def cn_number(text: str) -> int | None:
    """The integer an Arabic or Chinese numeral writes (positional 二〇二四 too); None when ``text``
    is not a whole numeral."""
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if any(c not in CN_NUMERAL_CHARS for c in text):
        return None
    import cn2an  # on first use: see the module docstring

    try:
        value = cn2an.cn2an(text.replace("○", "〇"), "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if float(value).is_integer() else None


def valid_date(year: int, month: int | None, day: int | None) -> str | None:
    """ISO ``YYYY-MM-DD`` of a calendar date, None when it does not exist (2024年2月31日)."""
    if month is None or day is None:
        return None
    try:
        return _dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
