"""Everything a request needs, built once per process and shared by routes."""

from __future__ import annotations

from sqlalchemy import Connection

from api.settings import Settings
from engine.accounts.passwords import Passwords
from engine.accounts.tokens import SessionTokens
from engine.actions import hooks as action_hooks
from engine.actions import jobs as action_jobs
from engine.definition.versions import published_version_id, version_definition
from engine.forms.hooks import Hooks
from engine.forms.runtime import AppRuntime, RuntimeCache
from engine.jobs import JobKinds, due
from engine.store import Store


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.database_url, settings.data_dir, settings.pg_schema_prefix)
        self.passwords = Passwords(settings.password_profile)
        self.sessions = SessionTokens(settings.secret_key)
        self.runtimes = RuntimeCache()
        # EVENTS: write guards, event subscribers and read-scope contributors,
        # built once here and carried on every write context (engine/forms/hooks.py).
        self.hooks = Hooks()
        register_hooks(self.hooks)
        # JOBS: the start-up list of job kinds, and the catalogue's due-work hints.
        self.jobs = JobKinds()
        register_job_kinds(self.jobs, self.runtime, self.hooks)
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


def register_job_kinds(kinds: JobKinds, runtime_of: action_jobs.RuntimeOf, hooks: Hooks) -> None:
    """The start-up list of job kinds: each engine's ``register``, in order.

    It moves to the engine layer's composition root with the rest of
    start-up (issue 9, item 6); nothing registers a job kind at import time.
    """
    action_jobs.register(kinds, runtime_of, hooks)


def register_hooks(hooks: Hooks) -> None:
    """The start-up list of hooks: each engine's ``register``, in order.

    Like ``register_job_kinds``, it moves to the engine layer's composition
    root (issue 9, item 6); nothing registers a hook at import time.
    """
    action_hooks.register(hooks)
