"""Run the Alembic migrations of the catalogue or of one tenant."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

Scope = Literal["catalog", "tenant"]


def alembic_config(scope: Scope) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / scope))
    return config


def upgrade(engine: Engine, scope: Scope, revision: str = "head") -> None:
    config = alembic_config(scope)
    with engine.connect() as conn:
        conn = conn.execution_options(formwork_write=True)
        with conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
