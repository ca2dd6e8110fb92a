"""One settings object, read from the environment (`TRISKEL_*`) and nowhere else."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.resources import QUERIES_DIR


class Settings(BaseSettings):
    """Everything configurable. CLI options override fields by building a new instance."""

    model_config = SettingsConfigDict(env_prefix="TRISKEL_", frozen=True)

    store_path: Path = Path("var/store")
    cache_dir: Path | None = Path("var/cache")
    """Where parsed SPARQL algebras are kept between processes (`service.rdflib_sparql`):
    the service's own folder, as the store is (its files are unpickled). Empty: none."""

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """`TRISKEL_CACHE_DIR=` turns the cache off (a path would read "" as the cwd)."""
        return None if value == "" else value

    sparql_url: str | None = None
    sparql_update_url: str | None = None
    gsp_url: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None
    remote_token: str | None = None
    tokens: str = ""
    open: bool = False
    public_read: bool = False
    query_timeout_s: float = Field(default=30.0, gt=0)
    update_timeout_s: float | None = Field(default=None, gt=0)
    """Budget of an update that evaluates a pattern (its dry run in a worker process, where
    it is stopped past the budget); default: `query_timeout_s`."""
    max_update_quads: int = Field(default=1_000_000, gt=0)
    """Quads an update's templates may make (its `DELETE`/`INSERT … WHERE` instantiated for
    every solution); past it the update is refused (413) before anything is written."""
    max_rows: int = Field(default=100_000, gt=0)
    query_workers: int = Field(default=4, gt=0)
    query_memory_mb: int = Field(default=4096, ge=256)
    max_body_mb: float = Field(default=256.0, gt=0)
    validation_timeout_s: float = Field(default=60.0, gt=0)
    validation_workers: int = Field(default=2, gt=0)
    """Validations computing at once (each keeps a core busy)."""
    validation_queue: int = Field(default=8, ge=0)
    """Validations waiting for a place; past it `POST /validate` answers 503 at once."""
    validation_memory_mb: int = Field(default=4096, ge=256)
    """Memory ceiling of each validation worker process (a validation past it is stopped)."""
    remote_page_rows: int = Field(default=10_000, gt=0)
    """Rows a validation pushed down to a remote engine reads per request (`LIMIT`): the
    service holds one page of a rule's answer at a time."""
    revalidate_every: float | None = Field(default=None, gt=0)
    """Seconds between two full validations of a remote store on its engine, which catch
    writes made behind the service's back (`service.findings.revalidate`); None: never. Only
    with `sparql_url`."""
    max_reports: int = Field(default=1_000, gt=0)
    """Kept validation reports at most, whatever `history_keep` says; past it the oldest are
    dropped first."""
    history_keep: str | None = Field(default=None, pattern=r"^[1-9][0-9]*d?$")
    """Retention of the report history within `max_reports`: `N` keeps the newest N reports,
    `Nd` the reports of the last N days; None keeps `max_reports`. Older reports are
    compacted away (`service.reports.history`)."""
    max_report_results: int = Field(default=10_000, gt=0)
    """Results a kept report holds; past it the first ones and the whole validation's counts
    (the answer to the caller still carries every result)."""
    max_rdf_nesting: int = Field(default=1_000, gt=0)
    allowed_hosts: str = ""
    queries_dir: Path = QUERIES_DIR
    header_timeout_s: float = Field(default=10.0, gt=0)
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    """The URL clients reach the service at (behind a proxy): the base of the service
    description, of relative IRIs in queries and updates, and of the graphs `POST /store`
    creates. Default: the bound address."""
    pseudonym_key: SecretStr | None = None
    """The key of `--pseudonymise` imports: identifiers become HMAC-SHA256 hashes under it,
    the same on every import made with the same key (never logged, never stored)."""
    min_group_size: int = Field(default=5, ge=1)
    """Network analytics: an aggregate over fewer people is suppressed, with a reason."""
    person_metrics: Literal["admin", "read"] = "admin"
    """Network analytics per person: `admin` keeps them out of the analytics graph (which
    every reader can query) and gives them to admins only; `read` writes them there."""
    analytics_rules: bool = False
    """The rules over network analytics R21-R24 (`shapes/analytics.ttl`): with the built-in
    rules, validations and the live findings check them too, reading the analytics graph
    while it describes the network (R24 reports it missing or out of date)."""
    served_hosts: str = ""
    """`Host` names answered besides loopback, the bound host and `public_url`'s host:
    comma-separated `name` or `name:port`, or `*` for any (a proxy checks Host itself)."""
    cors_origins: str = ""
    """Origins (comma-separated `scheme://host[:port]`) whose pages may query `/sparql`
    (GET and POST, `Authorization` allowed) and read the answers; writes stay same-origin."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (tests build their own `Settings`)."""
    return Settings()
