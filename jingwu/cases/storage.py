"""Content-addressed file storage for case files (案件材料): attachments, document PDFs, dossier packages.

A file is stored once under `<root>/<area>/<sha256[:2]>/<sha256><suffix>`; the database keeps the
path relative to the root and the hash, so an altered file is detected by hashing it again. Files are
never deleted or overwritten with other content: a file written by a transaction that later rolls back
is an unreferenced blob, harmless, and reused when the same content comes again.

The root is `settings.JINGWU_FILES_ROOT` (environment variable of the same name; `var/files` by default).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

CHUNK = 1 << 20


def files_root() -> Path:
    return Path(settings.JINGWU_FILES_ROOT)


def path_of(relative: str) -> Path:
    """The absolute path of a stored file; a path leaving the root is refused."""
    root = files_root().resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise ValueError(f"path outside the file store: {relative}")
    return target


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def sha256_file(relative: str) -> str | None:
    """The hash of a stored file as it is on disk now; None when it is missing."""
    digest = hashlib.sha256()
    try:
        with path_of(relative).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def store(content: bytes, *, area: str, suffix: str = "") -> tuple[str, str]:
    """Store `content` under its hash in `area`; returns (relative path, sha256).

    The write goes to a temporary file that is renamed into place, so a reader never sees half a file.
    A file already at the path with other content (altered on disk) is replaced by the right content.
    """
    digest = sha256_bytes(content)
    relative = f"{area}/{digest[:2]}/{digest}{suffix}"
    target = path_of(relative)
    if target.exists() and sha256_file(relative) == digest:
        return relative, digest
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o444)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative, digest


def read(relative: str) -> bytes:
    return path_of(relative).read_bytes()
