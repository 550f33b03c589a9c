"""The index folders beside ``index_dir``: the lock that serialises rebuilds across processes,
and the atomic swap of the ``index_dir`` link to a freshly built folder."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index

KEEP_VERSIONS = 2  # the current folder and the one before (other processes may still read it)


@contextmanager
def swap_lock(index_dir: Path, timeout: float) -> Iterator[None]:
    """Serialises rebuilds across processes (a side file beside index_dir, flock)."""
    path = index_dir.parent / f".{index_dir.name}.lock"
    with open(path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise index.LockError(f"{path} is held by another process") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def swap_to(link: Path, folder: Path) -> None:
    """Point ``link`` (index_dir) at ``folder`` atomically, then delete folders nobody should
    read."""
    temp_link = link.parent / f".{link.name}.{uuid.uuid4().hex}.link"
    os.symlink(folder.name, temp_link)
    if link.is_dir() and not link.is_symlink():  # older plain-folder layout: move it aside
        os.replace(link, link.parent / f".{link.name}.v-old-{uuid.uuid4().hex[:8]}")
    os.replace(temp_link, link)
    versions = sorted((p for p in link.parent.glob(f".{link.name}.v*") if p.is_dir()),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    keep = {folder.resolve()}
    for old in versions:
        if old.resolve() in keep:
            continue
        if len(keep) < KEEP_VERSIONS:
            keep.add(old.resolve())
            continue
        shutil.rmtree(old, ignore_errors=True)
