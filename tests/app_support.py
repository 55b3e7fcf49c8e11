"""Shared test helpers: a corpus folder cut from the bundled documents, and a real HTTP server
(uvicorn in a thread, on a free loopback port) around an app."""
from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from corpus import BUNDLED_DIR


def corpus_of(tmp_path: Path, name: str, *prefixes: str) -> Path:
    """A new folder ``tmp_path/name`` holding the bundled documents whose names start with ``prefixes``."""
    d = tmp_path / name
    d.mkdir()
    for prefix in prefixes:
        src = next(BUNDLED_DIR.glob(f"{prefix}_*.txt"))
        shutil.copy(src, d / src.name)
    return d


@contextlib.contextmanager
def running_server(app, timeout: float = 30.0) -> Iterator[str]:
    """Serve ``app`` on a free loopback port until the block ends; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + timeout
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=timeout)
