"""Domain errors. The service core raises these; only the edges (HTTP, CLI) map them.

>>> NotFound("document", "xyz").code
'not_found'
"""
from __future__ import annotations


class PolicyKGError(Exception):
    """Base class: every domain error has a stable ``code`` and a readable message."""

    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(PolicyKGError):
    """The input is malformed (empty or over-long query, bad parameter)."""

    code = "bad_request"


class NotFound(PolicyKGError):
    """An id that names nothing."""

    code = "not_found"

    def __init__(self, kind: str, key: str):
        super().__init__(f"no {kind} {key!r}")
        self.kind, self.key = kind, key


class Forbidden(PolicyKGError):
    """Refused by policy (SPARQL UPDATE on the public endpoint)."""

    code = "forbidden"


class QueryTimeout(PolicyKGError):
    """A query ran past its time limit and was killed."""

    code = "timeout"


class NotBuilt(PolicyKGError):
    """The data directory holds no usable build."""

    code = "not_built"


class IncompatibleIndex(PolicyKGError):
    """An index built with another embedding model or format."""

    code = "incompatible_index"


class Busy(PolicyKGError):
    """Every worker is taken and the wait queue is full: retry after ``retry_after`` seconds."""

    code = "busy"

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


class WarmingUp(Busy):
    """The search index and its model are still loading (a server's first seconds): retry soon."""

    code = "warming_up"


class BuildLocked(PolicyKGError):
    """Another build holds the data directory's lock."""

    code = "build_locked"


class DiskError(PolicyKGError):
    """The data directory cannot be written: read-only, full, or over quota."""

    code = "disk"


class LimitExceeded(PolicyKGError):
    """A configured resource limit (request body, response size) was exceeded."""

    code = "limit_exceeded"
