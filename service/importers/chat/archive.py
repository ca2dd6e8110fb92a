"""The files of a chat export: a folder's files as given, or the entries of a zip archive.

A zip is unpacked in memory, refused whole (nothing imported) when an entry's path would
leave the archive (zip slip: an absolute path, a drive, a backslash or a `..` part), when it
holds more than `MAX_ARCHIVE_ENTRIES` entries, or when its entries unpack to more than the
service's body limit: the sizes the archive declares are checked before anything is
unpacked, and the bytes really unpacked are counted as they come (a declared size can lie).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from service.errors import InputError, TooLargeError
from service.importers.contract import MAX_ARCHIVE_ENTRIES, Source

ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 20


def export_files(sources: list[Source], max_bytes: int) -> dict[str, bytes]:
    """Path -> bytes of an export's files: a single zip source unpacked, else the sources.

    >>> export_files([Source("a/users.json", b"[]")], 10)
    {'a/users.json': b'[]'}
    """
    if len(sources) == 1 and sources[0].data.startswith(ZIP_MAGIC):
        return unpacked(sources[0], max_bytes)
    return {source.name: source.data for source in sources}


def unpacked(source: Source, max_bytes: int) -> dict[str, bytes]:
    """The files of a zip archive; `InputError` for a zip-slip path or an unreadable
    archive, `TooLargeError` past the entry or byte limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"{source.name}: not a readable zip archive ({exc})") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise TooLargeError(
                f"{source.name}: {len(entries):,} zip entries, more than "
                f"{MAX_ARCHIVE_ENTRIES:,}: refused"
            )
        files = [entry for entry in entries if not entry.is_dir()]
        for entry in files:
            _check_path(source.name, entry.filename)
        declared = sum(entry.file_size for entry in files)
        if declared > max_bytes:
            raise TooLargeError(_too_large(source.name, max_bytes))
        budget = max_bytes
        out: dict[str, bytes] = {}
        for entry in files:
            data = _read(archive, entry, source.name, budget)
            budget -= len(data)
            out[entry.filename] = data
        return out


def _check_path(name: str, path: str) -> None:
    """Refuse an entry whose path would leave the folder the archive is unpacked in.

    >>> _check_path("x.zip", "../a")
    Traceback (most recent call last):
    service.errors.InputError: x.zip: zip entry '../a' leaves the archive (zip slip): refused
    """
    parts = PurePosixPath(path).parts
    if (
        path.startswith("/")
        or "\\" in path
        or ".." in parts
        or (parts and ":" in parts[0])
        or not parts
    ):
        raise InputError(f"{name}: zip entry {path!r} leaves the archive (zip slip): refused")


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, name: str, budget: int) -> bytes:
    """An entry's bytes, counted as they are unpacked; `TooLargeError` past `budget`."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(entry) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > budget:
                    raise TooLargeError(_too_large(name, budget))
                chunks.append(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise InputError(f"{name}: zip entry {entry.filename!r} is unreadable ({exc})") from None
    return b"".join(chunks)


def _too_large(name: str, limit: int) -> str:
    return f"{name}: the zip archive unpacks to more than {limit:,} bytes (a zip bomb?): refused"
