"""Which files the raw folder holds: all of them, in one deterministic order.

Rules:

* Every file under the raw folder, recursively, whatever its name (spaces, non-ASCII,
  leading dot). Nothing is skipped silently: hidden files and OS junk (``.DS_Store``,
  ``Thumbs.db``) are listed too and come out of parsing as REJECTED with a reason, so the
  run report accounts for every file a user dropped in the folder.
* Symbolic links to files are followed (listed under the link's own path); a broken link
  is listed too, and rejected as such. Symbolic links to directories are followed unless
  the directory was already visited, so a link back to a parent cannot loop.
* Named pipes, sockets and devices are listed (and rejected without being opened); so is a
  subdirectory that cannot be read.
* Order: sorted by the POSIX relative path as a string, so two runs over the same folder
  see the same sequence on every platform.
"""

from __future__ import annotations

import os
from pathlib import Path


def discover(raw_dir: Path) -> list[Path]:
    """Every non-directory entry under ``raw_dir``, sorted by POSIX relative path."""
    raw_dir = Path(raw_dir)
    found: dict[str, Path] = {}
    visited: set[tuple[int, int]] = set()

    def walk(directory: Path, relative: str) -> None:
        try:
            status = directory.stat()
        except OSError:
            return
        key = (status.st_dev, status.st_ino)
        if key in visited:
            return  # a link back to a directory already listed
        visited.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            # an unreadable directory is listed itself, so it is rejected with a reason
            if relative:
                found[relative] = directory
            return
        for entry in entries:
            entry_relative = f"{relative}/{entry.name}" if relative else entry.name
            path = directory / entry.name
            try:
                is_directory = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_directory = False
            if is_directory:
                walk(path, entry_relative)
            else:
                found[entry_relative] = path

    walk(raw_dir, "")
    return [found[relative] for relative in sorted(found)]
