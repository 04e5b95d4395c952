"""Files written atomically: into a temporary file beside the target whose name is unique to the writing process
and call, then renamed onto the target. The temporary file is removed on every exit path; one left by a killed
run (``.<name>.<random>.tmp``) is recognised and swept by the next command that takes the workspace lock."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reporter.errors import OutputError, os_error_message

TEMP_SUFFIX = ".tmp"


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A fresh temporary path beside ``path``; when the block ends without error it becomes ``path`` (an atomic
    rename, with the permissions a new file would have); on any other exit it is removed. Raises ``OutputError``
    with a Chinese message when the folder cannot be written."""
    try:
        temp = new_temp_file(path.parent, path.name)
    except OSError as exc:
        raise OutputError(os_error_message(exc, path)) from exc
    try:
        yield temp
        as_new_file(temp)
        os.replace(temp, path)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(os_error_message(exc, path)) from exc
    finally:
        temp.unlink(missing_ok=True)


def new_temp_file(folder: Path, name: str) -> Path:
    """A new empty file in ``folder`` named ``.<name>.<random>.tmp`` (one left by a killed run is swept)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=folder)
    os.close(handle)
    return Path(temp)


def as_new_file(path: Path) -> None:
    """The permissions a new file would have (mkstemp makes it private to its owner)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with replacing(path) as temp:
        temp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    with replacing(path) as temp:
        temp.write_text(text, encoding="utf-8")


def is_leftover(path: Path) -> bool:
    """A temporary file of ``replacing`` (or of an earlier version: ``.<name>.tmp``)."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def sweep_leftovers(folders: list[Path]) -> list[Path]:
    """Remove the temporary files killed runs left in these folders (recursively); return them. Only safe while
    holding the workspace lock: no other command is writing."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob(f".*{TEMP_SUFFIX}"):
            if path.is_file() and not path.is_symlink() and is_leftover(path):
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    return removed
