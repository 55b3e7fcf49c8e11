"""The query commands through a running ``policykg serve``: ``--server URL`` or ``$POLICYKG_SERVER``.

A cold ``policykg search`` then costs a Python start and one HTTP request (the server keeps the
index and the encoder loaded). Standard library only, so nothing heavy is imported. An error
answer of the server (``{"error": {"code", "message"}}``) is raised as the domain error with
that code; a server that cannot be reached is :class:`Unreachable`.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from corpus import errors

SERVER_ENV = "POLICYKG_SERVER"
TIMEOUT = 30.0
_BY_CODE = {cls.code: cls for cls in (errors.BadRequest, errors.NotFound, errors.Forbidden, errors.QueryTimeout,
                                      errors.NotBuilt, errors.IncompatibleIndex, errors.Busy, errors.WarmingUp)}
WARM_WAIT = 60.0  # how long a query waits for a server whose search model is still loading


def _error(code: str | None, message: str) -> errors.PolicyKGError:
    """The domain error of an error answer, carrying the server's message as is."""
    cls = _BY_CODE.get(code or "", errors.PolicyKGError)
    exc = cls.__new__(cls)
    errors.PolicyKGError.__init__(exc, message)
    return exc


class Unreachable(errors.PolicyKGError):
    """No policykg server answers at the given address."""

    code = "unreachable"


def server_of(flag: str | None) -> str | None:
    """The server to ask: the ``--server`` flag, else ``$POLICYKG_SERVER``, else None (work locally)."""
    url = flag or os.environ.get(SERVER_ENV) or None
    return url.rstrip("/") if url else None


def call(server: str, path: str, params: dict | None = None, body: dict | None = None,
         wait: float = WARM_WAIT) -> dict:
    """GET ``server + path`` with ``params`` (None values left out), or POST ``body`` as JSON. A
    server still loading its search model (``warming_up``) is asked again after its ``Retry-After``,
    for at most ``wait`` seconds in all."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return _call_once(server, path, params, body)
        except errors.WarmingUp as exc:
            pause = getattr(exc, "retry_after", 1)
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)


def _call_once(server: str, path: str, params: dict | None, body: dict | None) -> dict:
    query = urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v is not None})
    url = f"{server}{urllib.parse.quote(path)}" + (f"?{query}" if query else "")
    data = json.dumps(body).encode("utf-8") if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Accept": "application/json",
                                                          **({"Content-Type": "application/json"} if data else {})})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - the user's own server
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        try:
            err = json.loads(e.read().decode("utf-8"))["error"]
        except (ValueError, KeyError, TypeError):
            raise errors.PolicyKGError(f"{server} answered HTTP {e.code}") from None
        exc = _error(err.get("code"), err.get("message", ""))
        if isinstance(exc, errors.Busy):
            exc.retry_after = max(1, int(e.headers.get("Retry-After") or 1))
        raise exc from None
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable(f"no policykg server at {server} ({getattr(e, 'reason', e)})") from None
