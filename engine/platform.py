"""The composition root: what every process needs, built once and shared.

``Platform`` holds the store, the runtime cache, the password hasher, the
session-token signer, the hooks and the job kinds, and runs the start-up
list (``engine.startup.register_builtins``) once. The API, the CLI, the
worker and the tests all build one; it takes the few values it needs as
arguments, so the engine layer knows nothing of ``api/settings.py`` (the
API's ``api.platform.Platform`` builds it from the settings).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from engine.accounts.passwords import Passwords
from engine.accounts.tokens import SessionTokens
from engine.definition.versions import published_version_id, version_definition
from engine.forms import AppRuntime, Hooks, RuntimeCache
from engine.jobs import JobKinds, due
from engine.startup import register_builtins
from engine.store import Store


class Platform:
    """One process's engines: store, runtimes, principals' secrets, hooks, job kinds."""

    def __init__(
        self,
        *,
        database_url: str,
        data_dir: Path,
        secret_key: str,
        pg_schema_prefix: str = "fw_",
        password_profile: str = "production",
        mail_sink_dir: Path | None = None,
    ) -> None:
        self.store = Store(database_url, data_dir, pg_schema_prefix)
        self.passwords = Passwords(password_profile)
        self.sessions = SessionTokens(secret_key)
        self.runtimes = RuntimeCache()
        # Write guards, event subscribers and read-scope contributors, built
        # once here and carried on every write context (engine/forms/hooks.py).
        self.hooks = Hooks()
        self.jobs = JobKinds()
        # Where e-mail goes when a tenant has no SMTP server (demo mode), or None.
        self.mail_sink_dir = mail_sink_dir
        register_builtins(self.hooks, self.jobs, self.runtime, self.store, mail_sink=mail_sink_dir)
        # The catalogue's index of tenants with due work follows every enqueue.
        due.attach(self.store)

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


__all__ = ["Platform"]
