"""Write outputs whole or not at all, and never over the input.

Every file ke-rules writes (a report in any format, the template workbook, a synthetic
snapshot) is written to a temporary file beside it and then renamed over the target with
:func:`os.replace`, which is atomic on POSIX and on Windows. A run that is interrupted
(Ctrl-C, a full disk, a bug in a renderer) leaves neither half a report nor half a
workbook, and an existing file it was asked to replace stays as it was; the temporary
file is removed on any failure. Temporary names start with a dot and end in ``.tmp``, so
one left by a killed process is never read as a table of a csv folder.

:func:`refuse_output_over_input` stops ``check saker.xlsx --output saker.xlsx`` (and its
variants: ``./saker.xlsx``, a symlink, a hard link, another case of the name on a
case-insensitive disk, a csv file in the input folder) before any work is done: the
input is often the KE's only copy of its data.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ke_rules.errors import InputRefused

__all__ = ["atomic_path", "write_bytes_atomic", "refuse_output_over_input", "FOLDER_TABLE_SUFFIX"]

FOLDER_TABLE_SUFFIX = ".csv"  # what load.py reads as a table from an input folder (any case)
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _target(path: Path) -> Path:
    """The file to replace: a symlink's target, so that the link keeps pointing at the new file."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _reserve(target: Path) -> Path:
    """Create an empty temporary file beside ``target`` (mode as the umask gives a new file) and return its path."""
    stem = target.name[:80]  # leave room under the 255-byte name limit
    for _ in range(100):
        tmp = target.with_name(f".{stem}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


def _fsync(path: Path) -> None:
    """Flush ``path`` to disk, so the rename never publishes a file whose bytes are not there yet."""
    fd = os.open(path, os.O_RDWR | _O_BINARY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """``with atomic_path(out) as tmp: write(tmp)``: ``tmp`` becomes ``out`` only when the block succeeds.

    For writers that want a file name (openpyxl, zipfile). On any exception, KeyboardInterrupt
    included, the temporary file is removed and ``out`` is untouched. A target that is not a
    regular file (``/dev/null``, ``/dev/stdout``, a named pipe) cannot be replaced and is
    written in place; a folder is refused.
    """
    target = _target(Path(path))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError:
        st = None  # unreadable metadata: let the write itself say what is wrong
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    if st is not None and not stat.S_ISREG(st.st_mode):
        yield target  # a device or a pipe: nothing to replace, nothing to keep
        return
    if st is not None and not os.access(target, os.W_OK):  # a rename would get past a read-only file
        raise PermissionError(errno.EACCES, "the file is read-only", str(path))
    tmp = _reserve(target)
    try:
        yield tmp
        _fsync(tmp)
        if st is not None:
            with suppress(OSError):  # keep the replaced file's permissions (a report may be private)
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes | Iterable[bytes],
                       before_replace: Callable[[], None] | None = None) -> None:
    """Write ``data`` (bytes, or pieces written in turn) to ``path`` through a temporary file and a
    rename (see :func:`atomic_path`): a failure while the pieces are made leaves the old file.

    ``before_replace`` runs once the temporary file is written, before it takes the file's
    place; if it raises, the file is left as it was (the report check's last word).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            if isinstance(data, bytes | bytearray | memoryview):
                fh.write(data)
            else:
                for piece in data:
                    fh.write(piece)
        if before_replace is not None:
            before_replace()


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one existing file (or folder): hard links, symlinks and case included."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return p.absolute()


def refuse_output_over_input(output: Path, input_path: Path, *, ruleset_path: Path | None = None,
                             waivers_path: Path | None = None) -> None:
    """Raise :class:`InputRefused` when writing ``output`` would overwrite an input or add to an input folder.

    Refused: the input file (or folder) itself under any name that reaches it; the ruleset
    file; the waivers file; when the input is a folder of csv files, any existing file in that folder and
    any new ``.csv`` file there (the next run would read the report as a table). A new
    file of another kind in the folder, or a file in a subfolder, is allowed: the loader
    reads neither.
    """
    out_r = _resolved(output)
    folder_input = input_path.is_dir()
    sources = [(input_path, *(("inndatamappen", "the input folder") if folder_input
                              else ("inndatafilen", "the input file")))]
    if ruleset_path is not None:
        sources.append((ruleset_path, "regelsettfilen", "the ruleset file"))
    if waivers_path is not None:
        sources.append((waivers_path, "unntaksfilen", "the waivers file"))
    for source, what_nb, what_en in sources:
        if out_r == _resolved(source) or _same_file(output, source):
            raise InputRefused(
                f"--output {output} er {what_nb} {source}; rapporten ville skrevet over den. Velg et annet "
                f"filnavn, for eksempel rapport.json (--output is {what_en}; the report would overwrite it. "
                "Choose another file name).")
    if not folder_input:
        return
    folder = _resolved(input_path)
    # the folder the name is in, and the one a symlink at that name would have the report written to
    if not any(_resolved(parent) == folder or _same_file(parent, input_path)
               for parent in (output.parent, out_r.parent)):
        return
    if output.exists() or output.is_symlink():
        raise InputRefused(
            f"--output {output} finnes i inndatamappen {input_path} og ville blitt erstattet av rapporten; "
            f"skriv rapporten utenfor mappen (--output is a file in the input folder and would be replaced by "
            "the report; write the report outside the folder).")
    if FOLDER_TABLE_SUFFIX in (output.suffix.lower(), out_r.suffix.lower()):
        raise InputRefused(
            f"--output {output} er en .csv-fil i inndatamappen {input_path}, så neste kjøring ville lest "
            "rapporten som en tabell; skriv rapporten utenfor mappen (--output is a .csv file in the input "
            "folder, so the next run would read the report as a table; write the report outside the folder).")
