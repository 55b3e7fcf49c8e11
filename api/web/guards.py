"""HTTP guards as ASGI middleware: security headers on every response, a request-body limit.

The Content-Security-Policy allows only the app's own assets (YASGUI and swagger-ui are vendored
under ``/static/vendor``): scripts from ``'self'`` plus, for a page's own inline script, the nonce
the page was rendered with (the page sets its own CSP then; :func:`csp`); styles from ``'self'``
and inline (the cascade table's column widths, the editors' injected styles); no framing.
"""
from __future__ import annotations

import os
import secrets

from api.web.http_errors import error_response
from corpus.errors import LimitExceeded

DEFAULT_MAX_BODY_BYTES = 64 * 1024
MAX_BODY_BYTES = int(os.environ.get("POLICYKG_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def csp(nonce: str | None = None, script_hashes: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy: own assets only; ``nonce`` / ``script_hashes`` admit inline scripts.

    >>> csp().split("; ")[:2]
    ["default-src 'self'", "script-src 'self'"]
    >>> "'nonce-abc'" in csp("abc")
    True
    """
    scripts = " ".join(["'self'", *([f"'nonce-{nonce}'"] if nonce else []), *(f"'{h}'" for h in script_hashes)])
    return "; ".join([
        "default-src 'self'", f"script-src {scripts}", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'", "object-src 'none'",
        "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` and the default :func:`csp` to responses lacking them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = {**SECURITY_HEADERS, "content-security-policy": csp()}
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413 ``limit_exceeded``: at once when
    ``Content-Length`` says so (nothing is read), else as soon as the streamed body passes it (the
    app then sees a disconnected client, and its answer is replaced by the 413)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = error_response(413, LimitExceeded.code, f"request body over the limit of {self.limit} bytes")
        for k, v in scope.get("headers", []):
            if k == b"content-length" and v.isdigit() and int(v) > self.limit:
                await refusal(scope, receive, send)
                return
        seen, exceeded, started = 0, False, False

        async def limited_receive():
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(message) -> None:
            nonlocal started
            if not exceeded or started:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await refusal(scope, receive, send)
