"""Publish the validated marts as the file analysts open.

`write_portable_copy` builds the new file beside the target and renames it over the old one
(`os.replace` is atomic on one filesystem): a reader sees the old file or the new one, never
half of either, and a session left open on the old file keeps reading it (its inode lives
until closed) without blocking this writer. A run that never gets here leaves the previous
file untouched.
"""

from __future__ import annotations

from pathlib import Path

from trialmart.publish_format import write_portable_copy


def publish(work_database: Path, warehouse: Path, storage_version: str, memory_limit: str | None = None) -> Path:
    warehouse = warehouse.resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # built in the work folder (same file system) so a killed run leaves nothing beside the warehouse
    write_portable_copy(
        work_database, warehouse, storage_version, temporary_dir=work_database.parent, memory_limit=memory_limit
    )
    return warehouse
