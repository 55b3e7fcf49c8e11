"""Domain errors → HTTP: one status table and one JSON error shape for every route.

>>> error_body("not_found", "no document 'x'")
{'error': {'code': 'not_found', 'message': "no document 'x'"}}
>>> status_of(errors.IncompatibleIndex("other model")), status_of(errors.PolicyKGError("x"))
(503, 500)
"""
from __future__ import annotations

from fastapi.responses import JSONResponse

from corpus import errors

STATUS: dict[type[errors.PolicyKGError], int] = {
    errors.BadRequest: 400,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.QueryTimeout: 503,
    errors.Busy: 503,
    errors.NotBuilt: 503,
    errors.IncompatibleIndex: 503,
    errors.LimitExceeded: 413,
}


def status_of(exc: errors.PolicyKGError) -> int:
    """The HTTP status of a domain error (subclasses included); 500 for anything else."""
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 500)


def error_body(code: str, message: str) -> dict:
    """The one JSON error shape."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """``error_body`` as a JSON response with ``status``."""
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def error_headers(exc: errors.PolicyKGError) -> dict[str, str]:
    """Headers a domain error carries to HTTP (``Retry-After`` when the service is busy)."""
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, errors.Busy) else {}
