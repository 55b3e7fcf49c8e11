"""The retrieval view of a search index: lexical rows, sentence vectors by id, provision vectors."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.dense import DenseIndex
from embeddings.lexical import LexicalIndex


@dataclass
class Core:
    """What retrieval reads: lexical rows, sentence vectors by id, provision vectors by pid."""

    lexical: LexicalIndex
    dense: DenseIndex
    ids: np.ndarray  # row -> sentence id (ascending)
    prov_dense: DenseIndex | None = None
    row_pid: np.ndarray | None = None  # row -> provision id

    def __post_init__(self) -> None:
        if self.row_pid is not None:
            self._by_pid = np.argsort(self.row_pid, kind="stable")
            self._pid_sorted = self.row_pid[self._by_pid]

    def rows_of_pids(self, pids: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self._pid_sorted, pids, "left")
        hi = np.searchsorted(self._pid_sorted, pids, "right")
        return np.concatenate([self._by_pid[a:b] for a, b in zip(lo, hi)]) if len(pids) else np.zeros(0, np.int64)
