"""Handing freed memory back to the operating system after a whole-frame step over a large dataset.

A whole-frame step (loading, item metrics, re-scoring, the audit) allocates and frees
hundreds of MB of short-lived arrays and strings at a province's size. glibc's
allocator keeps freed heap pages for reuse, so the process stays at its high-water
mark and the next step's temporaries add to it: the peak grows step by step. After
each such step :func:`release_memory` asks glibc to return its free pages
(``malloc_trim``), as dask.distributed does for its workers. Elsewhere (macOS,
Windows, musl) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

__all__ = ["release_memory", "RELEASE_AT_ROWS"]

#: a step over fewer rows frees too little to be worth a trim (reports call the steps per department)
RELEASE_AT_ROWS = 200_000

_trim: Any = None


def _malloc_trim() -> Any:
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _trim = libc.malloc_trim  # glibc only
                _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
            except (OSError, AttributeError):
                _trim = False
    return _trim


def release_memory(rows: int) -> None:
    """After a step over ``rows`` rows (at least :data:`RELEASE_AT_ROWS`): return the heap's free pages."""
    if rows < RELEASE_AT_ROWS:
        return
    trim = _malloc_trim()
    if trim:
        trim(0)
