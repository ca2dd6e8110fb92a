"""What an OS error from the store says about the disk, for the store and the update trials.

Both the store (`service.store.embedded`) and an update trial in a worker process
(`service.store.trial`) write to disk and must tell a full disk (507) from other failures.
"""

from __future__ import annotations

import errno
import os

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_DISK_FULL_TEXTS = tuple(os.strerror(code) for code in DISK_FULL)


def disk_full(exc: OSError) -> bool:
    """True if `exc` says the disk is full or over quota.

    pyoxigraph (RocksDB) raises a bare `OSError` whose `errno` is None and whose text alone
    tells: "IO error: No space left on device: While appending to file: <path>: ...".

    >>> disk_full(OSError("IO error: No space left on device: While appending to file: x"))
    True
    >>> disk_full(OSError(errno.ENOSPC, "full")), disk_full(OSError(errno.EROFS, "read-only"))
    (True, False)
    """
    return exc.errno in DISK_FULL or any(text in str(exc) for text in _DISK_FULL_TEXTS)
