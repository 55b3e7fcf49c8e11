"""Readers: bytes of one file → plain text. One reader per format behind one interface.

Every reader either returns text or raises :class:`IngestError` naming the source and the
reason; nothing else escapes (``read_bytes`` wraps unexpected library errors).
Tables are rendered as one row per line with tab-separated cells, surrounded by blank
lines, so the cleaning step sees the same shape whatever the format.

>>> read_bytes("一、总体要求".encode("gb18030"), "a.txt")
'一、总体要求'
>>> read_bytes(b"", "a.txt")
Traceback (most recent call last):
...
corpus.readers.IngestError: a.txt: empty file
"""
from __future__ import annotations

import io
import re
import unicodedata
from typing import Protocol

from corpus.numerals import HAN


class IngestError(Exception):
    """A file that cannot be ingested; ``source`` names it, ``reason`` says why."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source, self.reason = source, reason


class Reader(Protocol):
    """Turns the bytes of one file into text (raise :class:`IngestError` when impossible)."""

    extensions: tuple[str, ...]

    def read(self, data: bytes, source: str) -> str: ...


# --------------------------------------------------------------------------- text

_HAN_CHAR = re.compile(f"[{HAN}]")
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")


def _junk_reason(text: str) -> str | None:
    """Why ``text`` does not look like real text, or None when it does."""
    if not text.strip():
        return "no text"
    n = len(text)
    bad = len(_BAD_CONTROL.findall(text))
    if bad > max(2, n // 200):
        return f"binary content ({bad} control/private-use characters)"
    cjk = len(_HAN_CHAR.findall(text))
    printable = sum(1 for c in text if c.isprintable() or c in "\t\n\r\f")
    if printable < 0.97 * n:
        return "binary content (unprintable characters)"
    if cjk < 0.05 * n:
        # Not Chinese: accept only plain, readable Latin-script text.
        letters = sum(1 for c in text if c.isascii())
        if letters < 0.9 * n:
            return "text decodes, but is neither Chinese nor plain ASCII (wrong encoding?)"
    else:
        # Chinese text decoded with the wrong codec yields many rare CJK Extension A /
        # compatibility ideographs and odd symbols; real text is mostly common hanzi.
        rare = sum(1 for c in text if "\u3400" <= c <= "\u4dbf" or "\uf900" <= c <= "\ufaff")
        odd = sum(1 for c in text if unicodedata.category(c) in ("So", "Sk", "Lm", "Co", "Cn"))
        if rare > 0.02 * cjk + 2 or odd > 0.02 * n + 2:
            return "text decodes, but looks like the wrong encoding (rare or unassigned characters)"
    return None


def decode_text(data: bytes, source: str) -> str:
    """Decode text bytes: strict UTF-8 (BOM or not), UTF-16 with BOM, then strict GB18030.

    Never guesses silently: a result that decodes but looks like junk is rejected.

    >>> decode_text("２０２４年".encode("utf-8-sig"), "x.txt")
    '２０２４年'
    >>> decode_text(bytes(range(256)), "x.txt")
    Traceback (most recent call last):
    ...
    corpus.readers.IngestError: x.txt: not UTF-8 or GB18030 text (binary content?)
    """
    if not data:
        raise IngestError(source, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    reasons = []
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        why = _junk_reason(text)
        if why is None:
            return text
        reasons.append(f"{why} as {enc}")
    if reasons:
        raise IngestError(source, reasons[0])
    hint = _guess_encoding(data)
    raise IngestError(source, "not UTF-8 or GB18030 text" + (f" (looks like {hint})" if hint else " (binary content?)"))


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, used only to make the rejection message helpful."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:20000]).best()
    except Exception:  # pragma: no cover - a hint only
        return None
    if best is None or best.encoding in ("utf_8", "gb18030"):
        return None
    return best.encoding


class TextReader:
    """``.txt`` / ``.md``: UTF-8 or GB18030/GBK."""

    extensions = (".txt", ".md", ".text")

    def read(self, data: bytes, source: str) -> str:
        return decode_text(data, source)


# --------------------------------------------------------------------------- docx


def _table_lines(rows: list[list[str]]) -> str:
    """Rows of cells → ``cell\\tcell`` lines (cell-internal newlines become spaces)."""
    out = []
    for row in rows:
        cells = [re.sub(r"\s*\n\s*", " ", c).replace("\t", " ").strip() for c in row]
        if any(cells):
            out.append("\t".join(cells))
    return "\n".join(out)


class DocxReader:
    """``.docx`` via python-docx: paragraphs and tables in document order."""

    extensions = (".docx",)

    def read(self, data: bytes, source: str) -> str:
        import zipfile

        try:
            import docx
            from docx.table import Table as DocxTable
            from docx.text.paragraph import Paragraph

            document = docx.Document(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as e:
            raise IngestError(source, f"not a readable .docx (truncated or corrupt: {type(e).__name__})") from e
        except Exception as e:
            raise IngestError(source, f"not a readable .docx ({type(e).__name__}: {e})") from e
        parts: list[str] = []
        body = document.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                parts.append(Paragraph(child, document).text)
            elif tag == "tbl":
                table = DocxTable(child, document)
                rows = []
                for row in table.rows:
                    cells: list[str] = []
                    prev = None
                    for cell in row.cells:  # merged cells repeat: keep one
                        if cell._tc is prev:
                            continue
                        prev = cell._tc
                        cells.append(cell.text)
                    rows.append(cells)
                parts.append("\n" + _table_lines(rows) + "\n")
        return "\n".join(parts)


# --------------------------------------------------------------------------- pdf

_HEADING_START = re.compile(r"^\s*(第[一二三四五六七八九十百零〇\d]+[章节]|[一二三四五六七八九十百]+、|（[一二三四五六七八九十百\d]+）|\d{1,2}[.．、](?!\d)|专栏|表\s*\d)")


class PdfReader:
    """``.pdf`` via pdfminer.six. Lines wrapped inside a paragraph are re-joined."""

    extensions = (".pdf",)

    def read(self, data: bytes, source: str) -> str:
        try:
            from pdfminer.high_level import extract_text

            text = extract_text(io.BytesIO(data))
        except Exception as e:
            raise IngestError(source, f"not a readable .pdf ({type(e).__name__})") from e
        # Page numbers go: "— 3 —" lines anywhere, a bare number only next to a page break.
        text = re.sub(r"(?m)^[ \t]*[-—－–][ \t]*\d{1,4}[ \t]*[-—－–][ \t]*$", "", text)
        text = re.sub(r"(?m)^[ \t]*\d{1,4}[ \t]*\n?(?=\s*\f)|(?<=\f)\s*\d{1,4}[ \t]*$", "", text)
        # Page breaks become blank lines (the cleaning step re-joins words split across them).
        text = text.replace("\f", "\n\n")
        return "\n\n".join(_join_wrapped(para) for para in re.split(r"\n\s*\n", text))


def _join_wrapped(para: str) -> str:
    r"""Re-join the visual lines of one PDF text box into logical lines.

    A full-width line continues on the next one, unless that one starts a heading; a
    line clearly shorter than the box is the end of a paragraph or a bare heading.

    >>> _join_wrapped("（一）稳定粮食生产。推广\n良种良法。\n二、保障\n坚持以人民为中心推进工作\n建设。")
    '（一）稳定粮食生产。推广良种良法。\n二、保障\n坚持以人民为中心推进工作建设。'
    """
    lines = [x.strip() for x in para.split("\n") if x.strip()]
    if not lines:
        return ""
    width = max(len(x) for x in lines)
    merged = [lines[0]]
    full = len(lines[0]) >= 0.85 * width
    for ln in lines[1:]:
        if full and not _HEADING_START.match(ln):
            merged[-1] += ln
        else:
            merged.append(ln)
        full = len(ln) >= 0.85 * width
    return "\n".join(merged)


# --------------------------------------------------------------------------- html

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "h1", "h2", "h3",
    "h4", "h5", "h6", "tr", "table", "blockquote", "pre", "center", "dd", "dt", "title",
}


class HtmlReader:
    """``.html`` / ``.htm`` via BeautifulSoup + lxml: block elements become lines."""

    extensions = (".html", ".htm", ".xhtml")

    def read(self, data: bytes, source: str) -> str:
        try:
            from bs4 import BeautifulSoup

            if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise IngestError(source, "binary content, not HTML")
            soup = BeautifulSoup(data, "lxml")
            for tag in soup(["script", "style", "noscript", "head", "template"]):
                tag.decompose()
            _drop_page_chrome(soup)
            for table in soup.find_all("table"):
                if table.find_parent("table") is not None:
                    continue
                rows = [
                    [cell.get_text(" ", strip=True) for cell in tr.find_all(["td", "th"])]
                    for tr in table.find_all("tr")
                ]
                table.replace_with("\n\n" + _table_lines(rows) + "\n\n")
            for br in soup.find_all("br"):
                br.replace_with("\n")
            for tag in soup.find_all(_BLOCK_TAGS):
                tag.insert_before("\n")
                tag.insert_after("\n")
            text = soup.get_text()
        except IngestError:
            raise
        except Exception as e:
            raise IngestError(source, f"not readable HTML ({type(e).__name__})") from e
        text = re.sub(r"[ \t\u00a0]*\n[ \t\u00a0]*", "\n", text.replace("\r", ""))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
        why = _junk_reason(text) if text else "no text"
        if why:
            raise IngestError(source, why)
        return text


_CHROME = re.compile(r"(?:^|[-_\s])(?:nav|navbar|breadcrumbs?|crumbs?|position|location|footer|foot|copyright|"
                     r"menu|sidebar|share|toolbar)(?:$|[-_\s\d])", re.I)


def _drop_page_chrome(soup) -> None:
    """Remove site navigation, breadcrumbs and footers (``<nav>``, ``<footer>``, blocks whose
    class or id says so) unless one of them holds most of the page's text."""
    total = len(soup.get_text(strip=True)) or 1
    for tag in list(soup.find_all(True)):
        if getattr(tag, "decomposed", False) or tag.attrs is None:
            continue
        names = " ".join([*(tag.get("class") or []), tag.get("id") or ""])
        if tag.name in ("nav", "footer") or (names.strip() and _CHROME.search(names)):
            if len(tag.get_text(strip=True)) < 0.3 * total:
                tag.decompose()


READERS: dict[str, Reader] = {}
for _reader in (TextReader(), DocxReader(), PdfReader(), HtmlReader()):
    for _ext in _reader.extensions:
        READERS[_ext] = _reader


def reader_for(source: str) -> Reader:
    """The reader for a file name, by extension (IngestError if unsupported).

    >>> type(reader_for("plan.DOCX")).__name__
    'DocxReader'
    """
    ext = "." + source.rsplit(".", 1)[-1].lower() if "." in source else ""
    try:
        return READERS[ext]
    except KeyError:
        raise IngestError(source, f"unsupported file type {ext or '(no extension)'!r}; "
                                  f"supported: {', '.join(sorted(READERS))}") from None


def read_bytes(data: bytes, source: str) -> str:
    """Text of one file's bytes; raises only :class:`IngestError`."""
    reader = reader_for(source)
    if not data:
        raise IngestError(source, "empty file")
    try:
        text = reader.read(data, source)
    except IngestError:
        raise
    except Exception as e:  # a library failing in an unforeseen way on hostile input
        raise IngestError(source, f"could not read ({type(e).__name__}: {e})") from e
    if not text or not text.strip():
        raise IngestError(source, "no text")
    return text
