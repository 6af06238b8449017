"""Storage: the platform catalogue, per-tenant databases, and their migrations."""

from engine.store.store import Store, TenantNotFound

__all__ = ["Store", "TenantNotFound"]
