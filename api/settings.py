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
        )
