"""A content-addressed, persistent cache of passage vectors: (model fingerprint, text) → vector.

Builds encode a text once across builds: cascades copy whole sentences from the level above,
and a rebuild sees mostly the same texts. Keys are the BLAKE2b-128 digest of the model
fingerprint and the normalised text (:func:`normalise`: NFKC, whitespace runs → one space,
stripped; the tokenizer applies the same normalisation, so such texts get the same vector).

The store is one SQLite file in WAL mode: concurrent builds read and write it at once (writes
wait up to :data:`BUSY_SECONDS` for each other), and a build killed mid-write leaves it as it was
before the interrupted transaction. A file that cannot be opened or read disables the cache
for that process (a build never fails because of it).

>>> import tempfile; from pathlib import Path
>>> c = VectorCache(Path(tempfile.mkdtemp()) / "v.sqlite")
>>> c.put("m", ["一　二 "], np.ones((1, 3), np.float32))
1
>>> c.get("m", ["一 二", "三"])["一 二"].tolist(), len(c.get("other", ["一 二"]))
([1.0, 1.0, 1.0], 0)
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import unicodedata
from pathlib import Path

import numpy as np

CACHE_ENV = "POLICYKG_VECTOR_CACHE"  # a file path, or "off"
BUSY_SECONDS = 60.0
_WS = re.compile(r"\s+")
_QUERY_CHUNK = 500  # keys per SELECT (SQLite's host-parameter limit is 999 on old builds)


def normalise(text: str) -> str:
    """The form texts are keyed by.

    >>> normalise("  第一条\\u3000总则\\n ") == normalise("第一条 总则")
    True
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def text_key(fingerprint: str, text: str) -> bytes:
    """16-byte digest of the model fingerprint and the normalised text."""
    h = hashlib.blake2b(digest_size=16)
    h.update(fingerprint.encode("utf-8"))
    h.update(b"\0")
    h.update(normalise(text).encode("utf-8"))
    return h.digest()


def default_path(data_dir: Path) -> Path | None:
    """Where builds of ``data_dir`` keep vectors: ``$POLICYKG_VECTOR_CACHE`` ("off": nowhere),
    else ``.{name}.vectors.sqlite`` beside the data dir (it outlives the build's atomic swap)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return None if env.lower() == "off" else Path(env).expanduser()
    data_dir = Path(data_dir).absolute()
    return data_dir.parent / f".{data_dir.name}.vectors.sqlite"


class VectorCache:
    """Vectors by (fingerprint, normalised text) in one SQLite file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self.disabled = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._con is None and not self.disabled:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(str(self.path), timeout=BUSY_SECONDS, check_same_thread=False)
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable up to the last checkpoint, never corrupt
                con.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dim INTEGER NOT NULL, "
                            "vec BLOB NOT NULL) WITHOUT ROWID")
                con.commit()
                self._con = con
            except (OSError, sqlite3.Error):
                self.disabled = True
        return self._con

    def get(self, fingerprint: str, texts: list[str]) -> dict[str, np.ndarray]:
        """text → vector for the texts this cache holds (float32)."""
        keys = {text_key(fingerprint, t): t for t in dict.fromkeys(texts)}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            con = self._connect()
            if con is None or not keys:
                return found
            klist = list(keys)
            try:
                for i in range(0, len(klist), _QUERY_CHUNK):
                    chunk = klist[i : i + _QUERY_CHUNK]
                    rows = con.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                                       chunk).fetchall()
                    for key, dim, blob in rows:
                        v = np.frombuffer(blob, dtype="<f4")
                        if v.size == dim:
                            found[keys[bytes(key)]] = v.astype(np.float32)
            except sqlite3.Error:
                self.disabled, self._con = True, None
        return found

    def put(self, fingerprint: str, texts: list[str], vectors) -> int:
        """Store vectors (one transaction); returns how many rows were new."""
        vectors = np.asarray(vectors, dtype="<f4")
        rows = [(text_key(fingerprint, t), int(v.size), v.tobytes()) for t, v in zip(texts, vectors)]
        with self._lock:
            con = self._connect()
            if con is None or not rows:
                return 0
            try:
                with con:
                    before = con.total_changes
                    con.executemany("INSERT OR IGNORE INTO vectors (key, dim, vec) VALUES (?, ?, ?)", rows)
                    return con.total_changes - before
            except sqlite3.Error:
                self.disabled, self._con = True, None
                return 0

    def __len__(self) -> int:
        with self._lock:
            con = self._connect()
            if con is None:
                return 0
            return int(con.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


__all__ = ["CACHE_ENV", "VectorCache", "default_path", "normalise", "text_key"]
