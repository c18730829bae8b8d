"""Every file portfolio_opt writes (a workbook, a page, a PDF) is whole or absent, never half.

:func:`save` writes to a temporary name in a folder beside the output, registered with
:mod:`.stopping` before it exists (so Ctrl-C, SIGTERM or a crash handled there removes it),
then links the finished file into place: an existing file is replaced only with ``force``, and
one that appears while the work runs is never overwritten. What the bytes are is the caller's
business (the workbook layer archives a workbook, the page layer renders HTML or prints a PDF).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from portfolio_opt.model.errors import OutputError
from portfolio_opt.runtime import stopping

#: The name every work folder beside an output starts with (hidden on Unix; tests look for it)
PREFIX = ".portfolio-opt-"


def refuse_existing(path: str | os.PathLike[str], force: bool) -> None:
    """Raise :class:`OutputError` when ``path`` exists and ``force`` is not given."""
    if not force and os.path.exists(path):
        raise OutputError(f"{os.fspath(path)} already exists: choose another name, or pass --force to replace it")


def save(path: str | os.PathLike[str], produce: Callable[[str], bytes], force: bool = False) -> None:
    """Write the bytes ``produce(work)`` returns to ``path``, whole or not at all.

    ``work`` is a new folder beside ``path`` for anything the producer writes on the way (spool
    files, a browser's output); it is removed afterwards on every path, and by a stop at any
    moment. An existing file is refused unless ``force``; raises :class:`OutputError` (with the
    reason) when the file cannot be written.
    """
    path = os.fspath(path)
    refuse_existing(path, force)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        with stopping.temporary_directory(PREFIX, directory) as work:
            data = produce(work)
            tmp = os.path.join(work, os.path.basename(path))
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            _write_and_link(fd, tmp, path, force, data)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write in {directory}: {exc.strerror or exc}") from None


def _write_and_link(fd: int, tmp: str, path: str, force: bool, data: bytes) -> None:
    """Write the bytes to the temporary file, then give it its name (never clobbering)."""
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # readable as any document (the temporary name was private)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never clobber
            except FileExistsError:
                raise OutputError(
                    f"{path} already exists: choose another name, or pass --force to replace it"
                ) from None
            except OSError:  # a file system without hard links: check, then rename
                if os.path.exists(path):
                    raise OutputError(f"{path} already exists: choose another name, or pass --force") from None
                os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
