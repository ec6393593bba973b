"""Reading new uploads in a few worker processes, off the server's one GIL.

A new upload costs 10–13 ms of Python in the desk, 7–10 of them reading the file; under one
GIL, fifty new files arriving together would be read one after another. Here each is read in a small
pool of processes by collect's own reader (:func:`read_one`, which is ``read_all`` on one file,
``jobs=1``): no second reader, so what a unit is told is what ``govxl collect`` decides.

The workers are started with ``spawn`` (the only start method on Windows, and never a fork of
the threaded server) and warmed before the desk answers: each loads the reader and the form
definitions once, so the first upload does not pay the imports. A worker that dies (killed,
out of memory) breaks the pool; the pool is started again and the file read again, so the
upload is still answered. A file on which the reader dies every time is stored and answered as
unreadable, never dropped, and the desk itself never reads it in-process.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

from govxl.check.read import wanted_sheets
from govxl.check.result import ReadResult
from govxl.collect.run import read_all
from govxl.collect.scan import Entry

ATTEMPTS = 3
"""Pools a file may be read in before it counts as one the reader dies on."""
WARM_TIMEOUT = 120.0
"""Seconds a new pool may take to start and load the reader (a slow office PC, a busy disk)."""
DIED = "读取此文件的进程连续 {n} 次意外退出，无法审核。请检查文件是否损坏后重新上传，或联系办公室"
"""What a unit is told about a file the reader dies on (collect's unreadable finding)."""

_barrier: Any = None
"""In a worker: the pool's start barrier (see :meth:`Readers._start`)."""


def default_jobs() -> int:
    """Two reading processes, or one (in the desk's own process) on a one-core machine.

    Not more: on the two-core PCs a district runs the desk on, two workers already use both
    cores while the server answers the web, and each worker holds the reader and the forms
    (about 40–50 MB)."""
    return min(2, os.cpu_count() or 1)


def read_one(entry: Entry) -> ReadResult:
    """collect's reader on one file, exactly as ``govxl collect --jobs 1`` reads it."""
    return next(read_all([entry], jobs=1))


def _warm(barrier: Any) -> None:
    """A worker's start: Ctrl-C is the server's to handle (it stops the pool as it stops; a
    worker interrupted on its own prints a traceback); then the reader and the forms are loaded
    before any upload arrives. SIGTERM stays fatal: a broken pool is stopped with it."""
    global _barrier
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_the_server, daemon=True).start()
    _barrier = barrier
    wanted_sheets()


def _end_with_the_server() -> None:
    """A worker whose server is gone (killed, crashed) ends too: each worker holds both ends of
    the pool's queue, so waiting on the queue alone would keep it alive for ever. It ends as a
    server stopping its pool ends it, by SIGTERM (fatal in a worker, see :func:`_warm`)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os.kill(os.getpid(), signal.SIGTERM)


def _ready() -> int:
    """Held until every worker of the pool runs one: then all of them exist and are warm."""
    _barrier.wait(WARM_TIMEOUT)
    return os.getpid()


class Readers:
    """The desk's reading: in ``jobs`` worker processes, or in-process for ``jobs`` ≤ 1."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self.pids: list[int] = []
        """The current workers' process ids (for the tests and the benchmark)."""
        if self.jobs > 1:
            self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        """A pool whose every worker has started and loaded the reader."""
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(self.jobs)
        pool = ProcessPoolExecutor(
            self.jobs, mp_context=ctx, initializer=_warm, initargs=(barrier,)
        )
        try:
            ready = [pool.submit(_ready) for _ in range(self.jobs)]
            self.pids = [f.result(timeout=WARM_TIMEOUT + 10) for f in ready]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        return pool

    def read(self, entry: Entry) -> ReadResult:
        """The file read by collect's reader; a pool broken by a dying worker is replaced."""
        if self._pool is None:
            return read_one(entry)
        for _ in range(ATTEMPTS):
            pool = self._pool
            if pool is None:  # closed meanwhile: the desk is stopping
                return read_one(entry)
            try:
                return pool.submit(read_one, entry).result()
            except BrokenProcessPool:
                self._replace(pool)
        named = entry.label or entry.relative  # as its messages name it
        died = replace(entry, relative=named, problem=DIED.format(n=ATTEMPTS), reason="reader-died")
        res = read_one(died)  # collect's unreadable finding; the file is not parsed
        res.sha256 = hashlib.sha256(entry.path.read_bytes()).hexdigest()  # as the store names it
        return res

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Start a new pool, once for all the uploads the broken one failed."""
        with self._lock:
            if self._pool is not broken:
                return  # another upload has replaced it already
            broken.shutdown(wait=True, cancel_futures=True)
            self._pool = self._start()

    def close(self) -> None:
        """Stop the workers and wait for them: no process outlives the desk."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self.pids = []
