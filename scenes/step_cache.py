"""Converted STEP files, kept so a second open costs what opening a GLB costs.

An entry is the finished GLB (scenes/step_post.py), named by a key over what decides its
content: the STEP file's bytes (SHA-256), the tessellation quality, and the converter's
version (cascadio's, and ``POST_VERSION`` of our own post-processing: bump it when that
changes what a conversion writes). Renaming or moving a file keeps its entry; editing it
makes a new one. A file's hash is remembered per file state (``hashes/``: path, size,
inode, modification and change times), so a reopen reads the GLB, not the STEP file.

Where: ``$XDG_CACHE_HOME/xrjig/step`` (``~/.cache/xrjig/step`` on Linux; platformdirs
picks the platform's cache folder elsewhere); ``XRJIG_STEP_CACHE`` overrides it. Entries
are written into ``tmp/`` first and renamed into place, so a reader never sees half an
entry and two processes converting the same file both end with a whole one. The folder
is kept under ``MAX_CACHE_BYTES``: after each store the least recently used entries go
(a hit refreshes an entry's time). Clearing it (``xrjig convert --clear-cache``, or
deleting the folder) loses nothing but time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

import platformdirs

from scenes.step_quality import Quality

#: our post-processing's version: part of every key (bump when the output changes)
POST_VERSION = 1
#: the cache's size bound (bytes), and how old an abandoned job folder must be to go
MAX_CACHE_BYTES = 2 * 1024**3
STALE_JOB_S = 24 * 3600
#: remembered file hashes older than this go (a file state not seen for a month)
MEMO_AGE_S = 30 * 24 * 3600
_CHUNK = 1024 * 1024


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    override = os.environ.get("XRJIG_STEP_CACHE")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("xrjig", appauthor=False)) / "step"


@functools.cache
def converter_version() -> str:
    """cascadio's version and ours, as recorded in keys and in converted files."""
    try:
        cascadio = metadata.version("cascadio")
    except metadata.PackageNotFoundError:
        cascadio = "missing"
    return f"cascadio {cascadio}, xrjig-step {POST_VERSION}"


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes, read in 1 MiB chunks (a 100 MB file: ~0.2 s)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def source_hash(path: Path) -> str:
    """:func:`content_hash`, remembered per file state as git's index does: a small file in
    ``hashes/`` named by the file's path, size, inode and modification and change times
    (the change time moves with every write and cannot be set back), so a cached reopen
    does not read a 100 MB STEP file again."""
    st = path.stat()
    state = f"{path.resolve()}|{st.st_size}|{st.st_ino}|{st.st_mtime_ns}|{st.st_ctime_ns}"
    memo = cache_dir() / "hashes" / hashlib.sha256(state.encode()).hexdigest()[:40]
    try:
        known = memo.read_text(encoding="ascii")
        if len(known) == 64 and all(c in "0123456789abcdef" for c in known):
            return known
    except (OSError, UnicodeDecodeError):
        pass
    digest = content_hash(path)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        partial = memo.with_name(f"{memo.name}.{os.getpid()}")
        partial.write_text(digest, encoding="ascii")
        os.replace(partial, memo)
    except OSError:
        pass  # a read-only cache still converts; it only hashes every time
    return digest


def entry_key(source_sha256: str, quality: Quality) -> str:
    """The entry name for a file's content converted at ``quality``."""
    text = f"{source_sha256}|{quality.key()}|{converter_version()}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def lookup(key: str) -> Path | None:
    """The entry's GLB when it is there (its time refreshed: recently used), else None."""
    path = cache_dir() / f"{key}.glb"
    try:
        os.utime(path)
    except OSError:
        return None
    return path if path.is_file() else None


def job_folder() -> Path:
    """A fresh private folder for one conversion, on the cache's file system."""
    tmp = cache_dir() / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="job-", dir=tmp))


def store(key: str, model: Path) -> Path:
    """Move a finished GLB into the cache as entry ``key``; returns its path. Older
    entries go as needed to keep the folder under MAX_CACHE_BYTES (never this one)."""
    target = cache_dir() / f"{key}.glb"
    os.replace(model, target)
    prune(keep=target)
    return target


def prune(limit: int = MAX_CACHE_BYTES, keep: Path | None = None) -> None:
    """Delete least recently used entries until the cache holds at most ``limit`` bytes,
    and job folders abandoned for a day (a killed app leaves its job behind)."""
    folder = cache_dir()
    entries = []
    for path in folder.glob("*.glb"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime, path.name, stat.st_size, path))
    total = sum(e[2] for e in entries)
    for _, _, size, path in sorted(entries):
        if total <= limit:
            break
        if keep is not None and path == keep:
            continue
        try:
            path.unlink()
            total -= size
        except OSError:
            continue
    now = time.time()
    for memo in (folder / "hashes").glob("*"):
        try:
            if now - memo.stat().st_mtime > MEMO_AGE_S:
                memo.unlink()
        except OSError:
            continue
    for job in (folder / "tmp").glob("job-*"):
        try:
            if now - job.stat().st_mtime > STALE_JOB_S:
                shutil.rmtree(job, ignore_errors=True)
        except OSError:
            continue


def clear() -> tuple[int, int]:
    """Delete every entry (and abandoned job folders); returns (entries, bytes) removed."""
    folder = cache_dir()
    count = size = 0
    for path in folder.glob("*.glb"):
        try:
            size += path.stat().st_size
            path.unlink()
            count += 1
        except OSError:
            continue
    shutil.rmtree(folder / "hashes", ignore_errors=True)
    prune(limit=0)  # and abandoned job folders (a running conversion's stays)
    return count, size
