"""Everything a request needs, built once per process and shared by routes."""

from __future__ import annotations

from sqlalchemy import Connection

from api.settings import Settings
from builder.apps import published_version_id, version_definition
from engine.accounts.passwords import Passwords
from engine.accounts.tokens import SessionTokens
from engine.forms.runtime import AppRuntime, RuntimeCache
from engine.store import Store


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.database_url, settings.data_dir, settings.pg_schema_prefix)
        self.passwords = Passwords(settings.password_profile)
        self.sessions = SessionTokens(settings.secret_key)
        self.runtimes = RuntimeCache()

    def runtime(self, conn: Connection, tenant: str, app_key: str) -> AppRuntime:
        """The runtime of the app's published version, read in the caller's transaction."""
        version_id = published_version_id(conn, app_key)
        runtime = self.runtimes.peek(tenant, version_id)
        if runtime is None:
            definition = version_definition(conn, version_id)
            runtime = self.runtimes.put(tenant, version_id, definition)
        return runtime

    def close(self) -> None:
        self.store.dispose()
