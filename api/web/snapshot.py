"""One consistent build per request.

:class:`Snapshots` holds the service (``PolicyKG``) of the build a data dir serves. At the start
of each request :class:`PinSnapshot` (ASGI middleware) reads ``data/current`` (one ``readlink``);
when a new build was switched in, a new service over it replaces the old one, atomically for every
later request. The request is pinned to one service (a context variable) for its whole life: its
page, API answer, search and SPARQL all come from that build, named in ``X-PolicyKG-Build``. A
replaced service is closed when its last request ends (the build keeps its previous version on
disk for those requests).

:class:`CurrentKG` is what the routes call: attribute access goes to the pinned service.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from api.datadir import build_id
from api.service import PolicyKG

BUILD_HEADER = "X-PolicyKG-Build"
_PINNED: ContextVar[PolicyKG | None] = ContextVar("policykg_snapshot", default=None)


class Snapshots:
    """The current service of a data dir, replaced when ``data/current`` changes."""

    def __init__(self, data_dir: str | Path, factory: Callable[[Path], PolicyKG],
                 first: PolicyKG | None = None):
        self.root = Path(data_dir)
        self.factory = factory
        self._lock = threading.Lock()
        self._current = first or factory(self.root)
        self._users: dict[int, int] = {}
        self._retired: dict[int, PolicyKG] = {}

    @property
    def current(self) -> PolicyKG:
        return self._current

    def acquire(self) -> PolicyKG:
        """The service to pin a request to (switching first if a new build is served)."""
        seen = build_id(self.root)
        with self._lock:
            if seen is not None and seen != self._current.build_id:
                old, self._current = self._current, self.factory(self.root)
                self._retired[id(old)] = old
                if not self._users.get(id(old)):
                    self._close(old)
            kg = self._current
            self._users[id(kg)] = self._users.get(id(kg), 0) + 1
            return kg

    def release(self, kg: PolicyKG) -> None:
        with self._lock:
            n = self._users.get(id(kg), 1) - 1
            if n:
                self._users[id(kg)] = n
                return
            self._users.pop(id(kg), None)
            if id(kg) in self._retired:
                self._close(kg)

    def _close(self, kg: PolicyKG) -> None:
        self._retired.pop(id(kg), None)
        self._users.pop(id(kg), None)
        kg.close()

    def close(self) -> None:
        with self._lock:
            for kg in [self._current, *self._retired.values()]:
                kg.close()
            self._retired.clear()


class CurrentKG:
    """Stands for the service the current request is pinned to (the current one outside a request)."""

    def __init__(self, snapshots: Snapshots):
        self._snapshots = snapshots

    def __getattr__(self, name: str) -> Any:
        return getattr(_PINNED.get() or self._snapshots.current, name)


class PinSnapshot:
    """ASGI middleware: pin each HTTP request to one build and name it in ``X-PolicyKG-Build``."""

    def __init__(self, app, snapshots: Snapshots):
        self.app, self.snapshots = app, snapshots

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kg = self.snapshots.acquire()
        token = _PINNED.set(kg)
        header = (BUILD_HEADER.lower().encode(), (kg.build_id or "").encode("ascii", "replace"))

        async def send_with_build(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_build)
        finally:
            _PINNED.reset(token)
            self.snapshots.release(kg)
