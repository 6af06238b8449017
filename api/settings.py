"""Settings from the environment (``FORMWORK_*``), with defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _secret(data_dir: Path) -> str:
    """A signing key kept in the data dir, so sessions survive a restart."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path("var").resolve())
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    password_profile: str = "production"
    pg_schema_prefix: str = "fw_"
    web_dist: Path = REPO / "web" / "dist"
    demo: bool = False
    max_upload_mb: int = 50
    # -- EDGE (request limits, rate limits, docs) ----------------------------
    #: JSON bodies of ordinary routes (FORMWORK_MAX_JSON_KB).
    max_json_kb: int = 1024
    #: ``POST …/bulk`` bodies: up to 10,000 records (FORMWORK_MAX_BULK_MB).
    max_bulk_mb: int = 16
    #: Sustained requests per second and burst per caller (user) and per client IP;
    #: 0 turns the limit off. Buckets are per process (docs/security.md).
    rate_user_per_second: float = 20.0
    rate_user_burst: int = 100
    rate_ip_per_second: float = 50.0
    rate_ip_burst: int = 300
    #: Serve /docs, /redoc and /openapi.json without a login (FORMWORK_PUBLIC_DOCS=1).
    public_docs: bool = False
    # -- end EDGE ---------------------------------------------------------------
    # -- SESSIONS (sessions, tokens, login throttling) ----------------------------
    #: Peers whose X-Forwarded-For is believed: IPs or CIDRs, comma-separated
    #: (FORMWORK_TRUSTED_PROXIES); empty means the socket peer is the client.
    trusted_proxies: str = ""
    #: Failed log-ins before an account (tenant + user name) waits, doubling
    #: per further failure (FORMWORK_LOGIN_ACCOUNT_THRESHOLD).
    login_account_threshold: int = 5
    #: Failed log-ins from one client IP before it waits (FORMWORK_LOGIN_IP_THRESHOLD).
    login_ip_threshold: int = 30
    #: The first wait, in seconds (FORMWORK_LOGIN_BASE_DELAY_SECONDS).
    login_base_delay_seconds: float = 1.0
    #: The longest wait, in seconds (FORMWORK_LOGIN_MAX_DELAY_SECONDS).
    login_max_delay_seconds: int = 900
    #: Session lifetime in hours (FORMWORK_SESSION_HOURS).
    session_hours: int = 12
    # -- end SESSIONS -------------------------------------------------------------
    # -- FILES (uploads and downloads) -------------------------------------------
    #: How long a signed download URL works, in seconds (FORMWORK_FILE_URL_SECONDS).
    file_url_seconds: int = 300
    # -- end FILES ----------------------------------------------------------------
    # -- TRANSFER (spreadsheet import and export) ------------------------------------
    #: An import's file, in MB (FORMWORK_IMPORT_MAX_MB).
    import_max_mb: int = 10
    #: Rows below the header, columns, and cells of the sheet's extent
    #: (FORMWORK_IMPORT_MAX_ROWS, _MAX_COLUMNS, _MAX_CELLS).
    import_max_rows: int = 50_000
    import_max_columns: int = 200
    import_max_cells: int = 2_000_000
    #: Seconds to read and check a file, before any transaction (FORMWORK_IMPORT_MAX_SECONDS).
    import_max_seconds: float = 30.0
    #: An XLSX's XML once decompressed, in MB (FORMWORK_IMPORT_MAX_UNPACKED_MB).
    import_max_unpacked_mb: int = 100
    #: Imports, and exports, one tenant runs at once in all processes; 0: no bound
    #: (FORMWORK_IMPORT_CONCURRENCY, FORMWORK_EXPORT_CONCURRENCY).
    import_concurrency: int = 2
    export_concurrency: int = 2
    #: How long a slot stays claimed when its process dies (FORMWORK_HEAVY_LEASE_SECONDS).
    heavy_lease_seconds: int = 300
    # -- end TRANSFER -----------------------------------------------------------------
    # -- JOBS (the job runner) ----------------------------------------------------------
    #: ``formwork serve`` runs a job worker thread; FORMWORK_WORKER=0 turns it off
    #: when separate ``formwork worker`` processes run.
    worker: bool = True
    #: How long a claimed job is its worker's before another may run it
    #: (FORMWORK_JOB_LEASE_SECONDS), jobs claimed per batch (FORMWORK_JOB_BATCH_SIZE),
    #: seconds between looks for due work when idle (FORMWORK_JOB_POLL_SECONDS) and
    #: between full sweeps of every tenant (FORMWORK_JOB_SWEEP_SECONDS).
    job_lease_seconds: int = 300
    job_batch_size: int = 100
    job_poll_seconds: float = 1.0
    job_sweep_seconds: float = 60.0
    # -- end JOBS -------------------------------------------------------------------------

    def __post_init__(self) -> None:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'formwork.db'}"
        if not self.secret_key:
            self.secret_key = _secret(self.data_dir)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            data_dir=Path(env.get("FORMWORK_DATA_DIR", "var")).resolve(),
            database_url=env.get("FORMWORK_DATABASE_URL", ""),
            host=env.get("FORMWORK_HOST", "127.0.0.1"),
            port=int(env.get("FORMWORK_PORT", "8000")),
            secret_key=env.get("FORMWORK_SECRET_KEY", ""),
            password_profile=env.get("FORMWORK_PASSWORD_PROFILE", "production"),
            pg_schema_prefix=env.get("FORMWORK_PG_SCHEMA_PREFIX", "fw_"),
            web_dist=Path(env.get("FORMWORK_WEB_DIST", str(REPO / "web" / "dist"))),
            demo=env.get("FORMWORK_DEMO", "") == "1",
            # EDGE
            max_upload_mb=int(env.get("FORMWORK_MAX_UPLOAD_MB", "50")),
            max_json_kb=int(env.get("FORMWORK_MAX_JSON_KB", "1024")),
            max_bulk_mb=int(env.get("FORMWORK_MAX_BULK_MB", "16")),
            rate_user_per_second=float(env.get("FORMWORK_RATE_USER_PER_SECOND", "20")),
            rate_user_burst=int(env.get("FORMWORK_RATE_USER_BURST", "100")),
            rate_ip_per_second=float(env.get("FORMWORK_RATE_IP_PER_SECOND", "50")),
            rate_ip_burst=int(env.get("FORMWORK_RATE_IP_BURST", "300")),
            public_docs=env.get("FORMWORK_PUBLIC_DOCS", "") == "1",
            # end EDGE
            # SESSIONS
            trusted_proxies=env.get("FORMWORK_TRUSTED_PROXIES", ""),
            login_account_threshold=int(env.get("FORMWORK_LOGIN_ACCOUNT_THRESHOLD", "5")),
            login_ip_threshold=int(env.get("FORMWORK_LOGIN_IP_THRESHOLD", "30")),
            login_base_delay_seconds=float(env.get("FORMWORK_LOGIN_BASE_DELAY_SECONDS", "1")),
            login_max_delay_seconds=int(env.get("FORMWORK_LOGIN_MAX_DELAY_SECONDS", "900")),
            session_hours=int(env.get("FORMWORK_SESSION_HOURS", "12")),
            # end SESSIONS
            # FILES
            file_url_seconds=int(env.get("FORMWORK_FILE_URL_SECONDS", "300")),
            # end FILES
            # TRANSFER
            import_max_mb=int(env.get("FORMWORK_IMPORT_MAX_MB", "10")),
            import_max_rows=int(env.get("FORMWORK_IMPORT_MAX_ROWS", "50000")),
            import_max_columns=int(env.get("FORMWORK_IMPORT_MAX_COLUMNS", "200")),
            import_max_cells=int(env.get("FORMWORK_IMPORT_MAX_CELLS", "2000000")),
            import_max_seconds=float(env.get("FORMWORK_IMPORT_MAX_SECONDS", "30")),
            import_max_unpacked_mb=int(env.get("FORMWORK_IMPORT_MAX_UNPACKED_MB", "100")),
            import_concurrency=int(env.get("FORMWORK_IMPORT_CONCURRENCY", "2")),
            export_concurrency=int(env.get("FORMWORK_EXPORT_CONCURRENCY", "2")),
            heavy_lease_seconds=int(env.get("FORMWORK_HEAVY_LEASE_SECONDS", "300")),
            # end TRANSFER
            # JOBS
            worker=env.get("FORMWORK_WORKER", "1") != "0",
            job_lease_seconds=int(env.get("FORMWORK_JOB_LEASE_SECONDS", "300")),
            job_batch_size=int(env.get("FORMWORK_JOB_BATCH_SIZE", "100")),
            job_poll_seconds=float(env.get("FORMWORK_JOB_POLL_SECONDS", "1")),
            job_sweep_seconds=float(env.get("FORMWORK_JOB_SWEEP_SECONDS", "60")),
            # end JOBS
        )
