"""CSV export of list and result pages (datasette style): every page links its JSON twin under
``/api/…`` and the same URL with ``format=csv``. The CSV is UTF-8 with a byte-order mark (Excel
then reads the Chinese text right), one header row of field names, and is sent as an attachment.

>>> body = csv_bytes(["title", "level"], [{"title": "实施方案", "level": "county"}])
>>> body.startswith(b"\\xef\\xbb\\xbf") and body.decode("utf-8-sig").splitlines()
['title,level', '实施方案,county']
>>> content_disposition("policykg-文件.csv")
'attachment; filename="policykg-.csv"; filename*=UTF-8\\'\\'policykg-%E6%96%87%E4%BB%B6.csv'
>>> export_urls("/api/documents", {"level": "county", "offset": 50, "sort": ""})
{'json': '/api/documents?level=county', 'csv': '/api/documents?level=county&format=csv'}
"""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from fastapi.responses import Response

from api.web.render import query_string

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FORMATS = ("json", "csv")
FORMAT_PATTERN = "^(json|csv)$"
PAGING = ("offset", "limit", "k", "lang")  # an export holds every row, whichever page was shown
#: OpenAPI ``responses`` entry of an endpoint that also answers ``format=csv``
CSV_RESPONSE = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                      "description": "JSON, or CSV (UTF-8 with BOM) with `format=csv`"}}


def csv_bytes(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    """The CSV text of ``rows`` (``columns`` in order), UTF-8 with a BOM."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def content_disposition(filename: str) -> str:
    """An attachment header naming ``filename`` (ASCII fallback plus RFC 5987 UTF-8 form)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.csv"
    return f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(filename)}'


def csv_response(columns: list[str], rows: list[dict[str, str]], name: str,
                 headers: dict[str, str] | None = None) -> Response:
    """``rows`` as a downloadable CSV file ``policykg-{name}.csv``."""
    return Response(csv_bytes(columns, rows), media_type=CSV_MEDIA_TYPE,
                    headers={"Content-Disposition": content_disposition(f"policykg-{name}.csv"), **(headers or {})})


def export_urls(api_path: str, params: dict, keep_paging: bool = False) -> dict[str, str]:
    """The JSON twin and CSV export of a page: ``api_path`` with the page's filters and sort,
    without its paging (a list's export holds every row) unless ``keep_paging`` (a result page)."""
    kept = {k: v for k, v in params.items() if (keep_paging or k not in PAGING) and k not in ("format", "lang")}
    q = query_string(kept)
    return {"json": api_path + (f"?{q}" if q else ""), "csv": f"{api_path}?{query_string(kept, 'format', 'csv')}"}


def query_with(params: dict, **changes: object) -> str:
    """URL query of ``params`` with ``changes`` applied, empty values left out (sort and page links).

    >>> query_with({"level": "county", "offset": "50", "sort": ""}, sort="date", offset="")
    'level=county&sort=date'
    """
    return query_string({**params, **changes})
