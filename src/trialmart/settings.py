"""One settings object for a run: CLI options > environment (TRIALMART_*) > defaults."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from trialmart.environment import REPOSITORY_ROOT


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIALMART_", extra="ignore")

    raw_dir: Path = Field(Path("data/raw"), description="folder of raw documents, read recursively")
    warehouse: Path = Field(Path("data/warehouse.duckdb"), description="the published DuckDB file analysts open")
    work_dir: Path | None = Field(
        None, description="build area (work database, dbt target, reports); default: <warehouse dir>/.trialmart"
    )
    max_document_bytes: int = Field(
        32 * 1024 * 1024, description="text/HTML/JSON/XML files above this are rejected; zips are streamed"
    )
    workers: int = Field(max(1, os.cpu_count() or 1), description="parser processes for large corpora")
    parallel_threshold: int = Field(400, description="below this many documents to parse, parse in-process")
    batch_size: int = Field(1000, description="documents per parse task and per load batch")
    member_batch_size: int = Field(
        1000, description="members (records) of one bulk file (zip of records, large JSON array) per parse task"
    )
    stream_json_bytes: int = Field(
        8 * 1024 * 1024, description="a JSON array or API v2 page of studies this large is streamed record by record"
    )
    strict: bool = Field(False, description="exit non-zero when any document is rejected")
    history: bool = Field(
        True,
        description="record trial history (dbt snapshot, marts.trial_history / trial_changes, the history file); "
        "off for registry-sized loads where its snapshot costs more memory and time than the marts",
    )
    full_refresh: bool = Field(
        False,
        description="rebuild every mart from scratch (dbt --full-refresh) instead of only the trials whose inputs "
        "changed; a run does it by itself when the dbt project changed",
    )
    trust_file_times: bool = Field(
        False,
        description="skip hashing a known file whose size and mtime are those recorded when its content was read",
    )
    memory_limit: str = Field(
        "512MB",
        description="DuckDB memory cap of the run's own connections (validation, publish, history); past it "
        "DuckDB spills to the work folder. Without it DuckDB keeps up to 80% of RAM cached",
    )
    dask_address: str | None = Field(None, description="run the parse stage on this Dask scheduler (tcp://host:port)")
    storage_version: str = Field(
        "v1.0.0", description="DuckDB storage format of the published file (readable by DuckDB >= 1.0)"
    )
    dbt_project_dir: Path = Field(REPOSITORY_ROOT / "dbt_project")

    @property
    def resolved_work_dir(self) -> Path:
        return (self.work_dir or self.warehouse.resolve().parent / ".trialmart").resolve()

    @property
    def work_database(self) -> Path:
        return self.resolved_work_dir / "work.duckdb"

    @property
    def report_dir(self) -> Path:
        return self.resolved_work_dir / "reports"
