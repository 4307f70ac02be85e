"""The next chunk's rows read and checked in a thread while this chunk's statements run.

A chunk spends most of its time waiting for PostgreSQL (the leads table has many indexes),
while reading and validating its rows is Python work that needs no database. So once a chunk
has its own rows checked, a thread reads and checks the rows after them, and the next chunk,
when it runs in the same process with the cursor where the thread started, takes them instead
of doing that work again: on the bench database this took 1.3 s off a 100,000-row import
(docs/imports.md). Python's lock is free while the main thread waits for the database.

It is only ever a cache of pure work on immutable input (a started import's file and mapping
never change): when the next chunk runs in another worker, or the cursor is elsewhere, the
result is not found or not taken, and the chunk reads and checks its rows itself.
"""

import threading
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

KEPT = 4  # results waiting at most: one per import being run by this process, in practice

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lead-import-prefetch")
_lock = threading.Lock()
_pending: dict[tuple, Future] = {}


def start(key: tuple, work: Callable):
    """Run ``work`` in the thread; its result waits under ``key``."""
    with _lock:
        while len(_pending) >= KEPT:
            _pending.pop(next(iter(_pending))).cancel()
        _pending[key] = _pool.submit(work)


def take(key: tuple):
    """The result started under ``key``, waiting for it if need be; None when there is none
    or the work failed (the caller then does the work itself)."""
    with _lock:
        future = _pending.pop(key, None)
    if future is None or future.cancelled():
        return None
    try:
        return future.result()
    except Exception:
        return None
