"""Resource limits of ingestion, each a named rejection: no input costs unbounded time or memory.

Checked in order of cost, each before the work it bounds: the file's bytes (before decoding), the
decoded text's length and repetition (before cleaning and segmentation), the sentences (before
anything downstream). Configurable by environment (read when a limit is checked):

| variable | default | rejection |
|---|---|---|
| ``POLICYKG_MAX_FILE_BYTES`` | 50,000,000 | ``file_too_large`` |
| ``POLICYKG_MAX_TEXT_CHARS`` | 2,000,000 | ``text_too_long`` |
| ``POLICYKG_MAX_SENTENCES`` | 20,000 | ``too_many_sentences`` |
| ``POLICYKG_MAX_REPEAT_SHARE`` | 0.5 | ``repetitive_text`` (0 turns the detector off) |

The longest real document of ``../shared/real`` has about 25,000 characters and 600 sentences; a
national five-year plan about 130,000 characters.

>>> repetition("稳定粮食生产。" * 100, 0.5) is None  # too short to judge
True
>>> repetition(("第一条 坚持稳中求进工作总基调，推动乡村全面振兴取得新进展。" * 40 + "\\n") * 50, 0.5)[1] >= 40
True
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from corpus.readers import IngestError

SAMPLES = 64  # windows sampled along the text
WINDOW = 48  # characters per window
MIN_CHARS = 4000  # shorter texts are not judged (a short notice may legitimately repeat itself)
MIN_COPIES = 3  # a window found this often is "repeated"


class LimitRejection(IngestError):
    """A file over a configured limit; ``code`` names the limit and starts the reason."""

    code = "limit"

    def __init__(self, source: str, detail: str):
        super().__init__(source, f"{self.code}: {detail}")


class FileTooLarge(LimitRejection):
    code = "file_too_large"


class TextTooLong(LimitRejection):
    code = "text_too_long"


class TooManySentences(LimitRejection):
    code = "too_many_sentences"


class RepetitiveText(LimitRejection):
    code = "repetitive_text"


@dataclass(frozen=True)
class IngestLimits:
    max_file_bytes: int = 50_000_000
    max_text_chars: int = 2_000_000
    max_sentences: int = 20_000
    max_repeat_share: float = 0.5

    @classmethod
    def from_env(cls) -> IngestLimits:
        env = os.environ.get
        d = cls()
        return cls(int(env("POLICYKG_MAX_FILE_BYTES", d.max_file_bytes)),
                   int(env("POLICYKG_MAX_TEXT_CHARS", d.max_text_chars)),
                   int(env("POLICYKG_MAX_SENTENCES", d.max_sentences)),
                   float(env("POLICYKG_MAX_REPEAT_SHARE", d.max_repeat_share)))


def repetition(text: str, max_share: float) -> tuple[float, int] | None:
    """``(share, copies)`` when more than ``max_share`` of windows sampled evenly along the text occur
    at least :data:`MIN_COPIES` times in it (``copies``: their median count, about how many times one
    text was repeated); None otherwise. Linear in the text (``SAMPLES`` substring counts)."""
    if max_share <= 0 or len(text) < MIN_CHARS:
        return None
    step = (len(text) - WINDOW) // SAMPLES
    counts = sorted(text.count(text[i * step:i * step + WINDOW]) for i in range(SAMPLES))
    repeated = [c for c in counts if c >= MIN_COPIES]
    share = len(repeated) / SAMPLES
    if share <= max_share:
        return None
    return share, repeated[len(repeated) // 2]


def check_bytes(data: bytes, source: str, limits: IngestLimits) -> None:
    if len(data) > limits.max_file_bytes:
        raise FileTooLarge(source, f"{len(data):,} bytes, over the limit of {limits.max_file_bytes:,} "
                           "(POLICYKG_MAX_FILE_BYTES)")


def check_text(text: str, source: str, limits: IngestLimits) -> None:
    found = repetition(text, limits.max_repeat_share)
    if found is not None:
        share, copies = found
        raise RepetitiveText(source, f"the text repeats itself ({share:.0%} of sampled passages occur "
                             f"{MIN_COPIES}+ times, about {copies} copies; POLICYKG_MAX_REPEAT_SHARE)")
    if len(text) > limits.max_text_chars:
        raise TextTooLong(source, f"{len(text):,} characters, over the limit of {limits.max_text_chars:,} "
                          "(POLICYKG_MAX_TEXT_CHARS)")


def check_sentences(n: int, source: str, limits: IngestLimits) -> None:
    if n > limits.max_sentences:
        raise TooManySentences(source, f"{n:,} sentences, over the limit of {limits.max_sentences:,} "
                               "(POLICYKG_MAX_SENTENCES)")
