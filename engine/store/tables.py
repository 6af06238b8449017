"""Platform tables.

Two metadata objects, because isolation is structural (design.md, Storage):

* ``catalog_metadata`` lives once per installation and only lists tenants.
* ``tenant_metadata`` lives inside every tenant's own database (SQLite file)
  or schema (PostgreSQL): users, departments, apps, versions, audit log,
  tokens. A tenant's records and its audit entries share one database, so a
  record write and its audit entry commit in one transaction.

Both are migrated with Alembic (``migrations/catalog`` and ``migrations/tenant``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from engine.store.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

catalog_metadata = MetaData(naming_convention=NAMING_CONVENTION)

tenants = Table(
    "tenants",
    catalog_metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

tenant_metadata = MetaData(naming_convention=NAMING_CONVENTION)

departments = Table(
    "departments",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("head_id", Integer, nullable=True),
)

users = Table(
    "users",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(254), nullable=True),
    Column("password_hash", String(255), nullable=True),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("manager_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)

role_memberships = Table(
    "role_memberships",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("app_key", String(40), nullable=False),
    Column("role_key", String(40), nullable=False),
    UniqueConstraint("user_id", "app_key", "role_key", name="uq_role_memberships_user_app_role"),
)

apps = Table(
    "apps",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(40), nullable=False, unique=True),
    Column("label", JSONType, nullable=False),
    Column("published_version_id", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

app_versions = Table(
    "app_versions",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("version", String(40), nullable=False),
    Column("status", String(16), nullable=False),  # draft | published | superseded
    Column("definition", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Integer, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Index("ix_app_versions_app_status", "app_id", "status"),
)

audit_log = Table(
    "audit_log",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("action", String(32), nullable=False),
    Column("app_key", String(40), nullable=True),
    Column("entity", String(40), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("before", JSONType, nullable=True),
    Column("after", JSONType, nullable=True),
    # What wrote the change besides the user (``rule:<key>``, ``action:<key>``,
    # ``import``, ``bulk:update``, ``pool:auto_return``, ``formula:backfill``):
    # carried from the write's context, named by ``engine.forms.history``.
    Column("via", String(100), nullable=True),
    Index("ix_audit_log_record", "app_key", "entity", "record_id"),
)

api_tokens = Table(
    "api_tokens",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    # SESSIONS (issue 8): tokens expire; listing a user's tokens is indexed.
    Column("expires_at", UTCDateTime, nullable=True),
    Index("ix_api_tokens_user", "user_id"),
)

#: Per-period counters of autonumber fields. The increment happens inside the
#: record's own transaction, so a rolled-back create gives its number back and
#: the sequence stays gap-free.
sequences = Table(
    "sequences",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app_key", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("field", String(40), nullable=False),
    Column("period", String(64), nullable=False),
    Column("value", Integer, nullable=False),
    UniqueConstraint("app_key", "entity", "field", "period", name="uq_sequences_key"),
)

files = Table(
    "files",
    tenant_metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("storage_key", Text, nullable=False),
    Column("created_by", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Columns and tables of removed fields and entities, kept with their data.
#: Publishing a definition never drops data: a removed field's column is
#: renamed to an archive name and listed here, so it can be restored by
#: re-adding the field (builder/publish.py, docs/schema-evolution.md).
archived_columns = Table(
    "archived_columns",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app_key", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    # The sub-table field whose child table holds the column, for sub-fields.
    Column("subtable", String(40), nullable=True),
    # NULL when the whole entity (its table and child tables) was archived.
    Column("field", String(40), nullable=True),
    # The physical table that holds the archived column(s), or the archived table.
    Column("table_name", String(63), nullable=False),
    # Original physical name -> archived name (columns, or tables for an entity).
    Column("names", JSONType, nullable=False),
    # The field (or entity) definition as it was published.
    Column("definition", JSONType, nullable=False),
    Column("reason", String(16), nullable=False),  # removed | replaced
    Column("version", String(40), nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("archived_at", UTCDateTime, nullable=False),
    Column("archived_by", Integer, nullable=True),
    Column("restored_at", UTCDateTime, nullable=True),
    Index("ix_archived_columns_field", "app_key", "entity", "field"),
)

#: Where an installed app comes from: the template (key, version and the full
#: definition of that version) and the tenant's customisations as an overlay
#: on it (builder/overlay). Upgrading re-applies the overlay on a newer
#: template version (builder/upgrade.py, docs/templates.md).
app_sources = Table(
    "app_sources",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app_key", String(40), nullable=False, unique=True),
    Column("template_key", String(40), nullable=False),
    Column("template_version", String(40), nullable=False),
    Column("template", JSONType, nullable=False),
    Column("overlay", JSONType, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", Integer, nullable=True),
)

#: Files an app package brings besides its definition (print templates,
#: assets), kept per app so that exporting the app again includes them.
app_files = Table(
    "app_files",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app_key", String(40), nullable=False),
    Column("path", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("app_key", "path", name="uq_app_files_app_path"),
)


# --- SESSIONS part (issue 8): server-side sessions, security events, login throttling ---

#: One row per log-in. The session token (a JWT) names its row (``sid``), and
#: every request checks the row, so logging out, revoking a session or
#: deactivating the user takes effect on the next request in every process.
sessions = Table(
    "sessions",
    tenant_metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("ip", String(45), nullable=True),
    Column("user_agent", String(200), nullable=True),
    Index("ix_sessions_user", "user_id"),
)

#: Security events (login_failed, permission_denied, …) are audit rows without
#: a record; they are listed newest first by action, and refusals are counted
#: per user over the last minute.
Index("ix_audit_log_action_at", audit_log.c.action, audit_log.c.at)

#: Failed log-ins per account (``account:<tenant>/<username>``) and per client
#: IP (``ip:<address>``), in the catalogue so every API process sees them.
login_throttle = Table(
    "login_throttle",
    catalog_metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Index("ix_login_throttle_last_failure_at", "last_failure_at"),
)

# -- TRANSFER (issue 8): heavy operations per tenant ---------------------------
#: One row per claimed slot of a heavy operation (an import, an export): at most
#: ``limit`` slots per kind, held by one request (``holder``) until it releases
#: the row or ``expires_at`` passes, so a crashed process never blocks a tenant
#: for ever. Claimed in short transactions, so it bounds every API process.
heavy_operations = Table(
    "heavy_operations",
    tenant_metadata,
    Column("kind", String(32), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
# -- end TRANSFER ----------------------------------------------------------------

# -- JOBS (issue 9): the transactional outbox, periodic schedules, the due index --
#: One row per job: the outbox. ``engine.jobs.enqueue`` inserts it in the
#: caller's transaction, so work enqueued by a write commits or rolls back with
#: it. ``status``: queued | running | done | dead. While a job is ``running``,
#: ``run_at`` equals ``lease_expires_at``: one condition (``status`` not
#: finished and ``run_at`` passed) finds both due jobs and lost leases.
jobs = Table(
    "jobs",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    Column("locked_by", String(64), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("result", JSONType, nullable=True),
    Column("dedupe_key", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    # What the runner claims: unfinished jobs by due time.
    Index(
        "ix_jobs_due",
        "run_at",
        sqlite_where=text("status IN ('queued', 'running')"),
        postgresql_where=text("status IN ('queued', 'running')"),
    ),
    # One unfinished job per dedupe key (a schedule's tick, a record's reminder).
    Index(
        "ix_jobs_dedupe_key",
        "dedupe_key",
        unique=True,
        sqlite_where=text("status IN ('queued', 'running')"),
        postgresql_where=text("status IN ('queued', 'running')"),
    ),
    # The admin list: newest first, by status and kind.
    Index("ix_jobs_status_kind", "status", "kind"),
)

#: Periodic schedules of a tenant: each row enqueues ``kind`` at every tick of
#: ``cron`` in ``timezone``. The runner advances ``next_run_at`` with a
#: conditional update in the same transaction as the enqueue, so one tick is
#: one job however many workers look at it.
job_schedules = Table(
    "job_schedules",
    tenant_metadata,
    Column("name", String(100), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("cron", String(100), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("next_run_at", UTCDateTime, nullable=False),
    Column("last_run_at", UTCDateTime, nullable=True),
)

#: Which tenants may have due work, in the catalogue: a hint that spares a
#: worker from polling every tenant each second. Enqueues raise it after their
#: tenant transaction; workers lower it after draining a tenant (only if
#: ``version`` did not move meanwhile); a periodic sweep rebuilds it from the
#: tenant tables, which alone are the truth (engine/jobs/due.py).
due_tenants = Table(
    "due_tenants",
    catalog_metadata,
    Column("tenant", String(32), primary_key=True),
    Column("due_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_due_tenants_due_at", "due_at"),
)
# -- end JOBS ----------------------------------------------------------------------

# -- TENANT SETTINGS (issue 9): what a tenant decides for all its apps ------------
#: One row per setting a tenant changed from its default (``engine.tenancy``
#: reads them, with the defaults, in one place): ``timezone`` is the IANA zone
#: of "today", TODAY(), export file stamps, pool returns and cron schedules.
tenant_settings = Table(
    "tenant_settings",
    tenant_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)
# -- end TENANT SETTINGS -----------------------------------------------------------

# -- MESSAGING (issue 10): in-app notifications and outbound deliveries ------------
#: A user's in-app notifications, newest first; ``read_at`` is NULL while unread.
notifications = Table(
    "notifications",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("body", Text, nullable=True),
    Column("app", String(40), nullable=True),
    Column("entity", String(40), nullable=True),
    Column("record_id", Integer, nullable=True),
    #: What sent it: ``rule:<app>/<rule>``, ``flow:…``.
    Column("source", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    # "Mine, newest first" and the paging of it.
    Index("ix_notifications_user", "user_id", "id"),
    # The unread count reads only this partial index, however many are read.
    Index(
        "ix_notifications_unread",
        "user_id",
        sqlite_where=text("read_at IS NULL"),
        postgresql_where=text("read_at IS NULL"),
    ),
    sqlite_autoincrement=True,
)

#: One outbound message (an email, an SMS, a webhook call, a robot message):
#: its content, its status (queued, sent, retrying, failed) and its attempts.
#: The job ``messaging.deliver`` sends it; the row says how that went.
deliveries = Table(
    "deliveries",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    #: The address, number or URL (a webhook's URL without its query string).
    Column("recipient", String(2000), nullable=False),
    #: What to send: templates and the values they are rendered over.
    Column("content", JSONType, nullable=False),
    #: What was sent (rendered), once rendered; kept for the admin's eyes.
    Column("rendered", JSONType, nullable=True),
    Column("source", String(200), nullable=True),
    Column("app", String(40), nullable=True),
    Column("entity", String(40), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    #: One item per attempt: ``{at, outcome, error, status_code}``.
    Column("attempt_log", JSONType, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("job_id", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index("ix_deliveries_status", "status", "id"),
    sqlite_autoincrement=True,
)

#: A tenant's channel settings (SMTP, the SMS connector, the webhook allowlist
#: and signing secret): ``config`` is returned to admins, ``secret`` never is.
channel_settings = Table(
    "channel_settings",
    tenant_metadata,
    Column("channel", String(32), primary_key=True),
    Column("config", JSONType, nullable=False),
    Column("secret", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
# -- end MESSAGING -----------------------------------------------------------------

# -- RULES (issue 10): runs, date timers and the rule engine's small state ---------
#: Each run of a rule: on which record, by which trigger, with what outcome
#: (``ok``, ``failed``) and which effects; failures are written after the
#: write they broke has rolled back.
rule_runs = Table(
    "rule_runs",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app", String(40), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("record_id", Integer, nullable=True),
    Column("trigger", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Column("effects", JSONType, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_rule_runs_rule", "app", "rule", "id"),
    sqlite_autoincrement=True,
)

#: When a date-triggered rule next fires for a record: one row per (rule,
#: record), moved whenever the anchor changes; the minute tick reads the due
#: ones through ``ix_rule_timers_due`` and never scans the records.
rule_timers = Table(
    "rule_timers",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("app", String(40), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    #: How many times it fired for the current anchor (for ``repeat``).
    Column("fired", Integer, nullable=False, default=0),
    UniqueConstraint("app", "rule", "record_id", name="uq_rule_timers_rule_record"),
    Index("ix_rule_timers_due", "due_at"),
)

#: Small named state of the rule engine: round-robin cursors, a schedule
#: rule's last tick. ``key`` is namespaced (``rr:<app>/<rule>/<effect>/…``).
rule_state = Table(
    "rule_state",
    tenant_metadata,
    Column("key", String(200), primary_key=True),
    Column("value", JSONType, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
# -- end RULES ---------------------------------------------------------------------

# -- LISTS (issue 11): personal saved views and replayable writes ------------------
#: A user's own saved view of an entity's list: ``definition`` holds its
#: ``filter`` (the filter language), ``sort`` and ``columns``. Private to the
#: user, unlike the definition's views, which the designer publishes.
saved_views = Table(
    "saved_views",
    tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("app", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("definition", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_saved_views_user", "user_id", "app", "entity"),
    sqlite_autoincrement=True,
)

#: The first answer to a write sent with an ``Idempotency-Key`` header, kept
#: 24 hours so that a retry of it (a double click, a lost answer) replays the
#: answer instead of writing again (``engine.store.idempotency``).
idempotency_keys = Table(
    "idempotency_keys",
    tenant_metadata,
    Column("user_id", Integer, primary_key=True),
    Column("key", String(255), primary_key=True),
    #: ``POST /api/apps/crm/lead``: the same key on another endpoint is refused.
    Column("request", String(500), nullable=False),
    #: SHA-256 of the request's body: the same key with another body is refused.
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
# -- end LISTS ---------------------------------------------------------------------
