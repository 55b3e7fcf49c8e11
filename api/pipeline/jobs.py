"""Work a build starts now and collects later: in a worker process, or already done."""
from __future__ import annotations

import ctypes
import os
import pickle
import signal
import subprocess
import sys
from typing import Protocol

# the worker: no multiprocessing bootstrap, so the parent's main module is never imported again
# (a script that calls build() without an ``if __name__ == "__main__"`` guard stays safe)
_WORKER = "from api.pipeline.jobs import serve_job; serve_job()"


class Job(Protocol):
    """Work started earlier: ``result()`` waits for it (raising what it raised); ``cancel()`` stops it."""

    def result(self): ...

    def cancel(self) -> None: ...


class Done:
    """A :class:`Job` that was already done when it was handed over."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self) -> None:
        pass


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (a killed build leaves no worker)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve_job() -> None:
    """The worker's side: read ``(fn, args)`` (pickled) on stdin, write ``(ok, value)`` on stdout."""
    _die_with_parent()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything the work prints must not corrupt the answer
    fn, args = pickle.load(stdin)
    try:
        out = (True, fn(*args))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        out = (False, e)
    pickle.dump(out, stdout, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.flush()


class ProcessJob:
    """``fn(*args)`` in a fresh Python process (nothing of this process's threads or loaded
    libraries is inherited; it sees this process's ``sys.path``). ``fn`` and ``args`` must pickle
    by reference to importable modules; the worker is killed with this process."""

    def __init__(self, fn, *args):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._proc = subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env)
        try:
            pickle.dump((fn, args), self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.close()
        except BrokenPipeError:
            pass  # the worker died at once: result() says so

    def result(self):
        try:
            ok, value = pickle.load(self._proc.stdout)
        except (EOFError, pickle.UnpicklingError):
            self._proc.wait()
            raise RuntimeError(f"the worker process died (exit code {self._proc.returncode})") from None
        finally:
            self._proc.stdout.close()
        self._proc.wait()
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for f in (self._proc.stdin, self._proc.stdout):
            if f is not None and not f.closed:
                f.close()


__all__ = ["Done", "Job", "ProcessJob", "serve_job"]
