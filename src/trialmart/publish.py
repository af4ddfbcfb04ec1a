"""Publish the validated marts as the file analysts open: build a copy, then rename over.

`os.replace` is atomic on one filesystem: a reader sees the old file or the new one,
never half of either, and a session left open on the old file keeps reading it (its
inode lives until closed) without blocking this writer.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from trialmart.publish_format import write_portable_copy


def publish(work_database: Path, warehouse: Path, storage_version: str) -> Path:
    warehouse = warehouse.resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_copy = warehouse.with_name(f".{warehouse.name}.{uuid.uuid4().hex}.publishing")
    try:
        write_portable_copy(work_database, staging_copy, storage_version)
        os.replace(staging_copy, warehouse)
    finally:
        for leftover in (staging_copy, staging_copy.with_name(staging_copy.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return warehouse
