"""The API's platform: the engine layer's composition root, built from the settings.

The engines, hooks and job kinds are ``engine.platform.Platform``'s; this
subclass only keeps the whole ``Settings`` beside them, because routes read
HTTP-side values (upload limits, throttling, the worker's timings) from it.
"""

from __future__ import annotations

from api.settings import Settings
from engine import platform as engine_platform


class Platform(engine_platform.Platform):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__(
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            secret_key=settings.secret_key,
            pg_schema_prefix=settings.pg_schema_prefix,
            password_profile=settings.password_profile,
            # Demo mode (`make run`): mail with no SMTP server lands in a
            # sink under the data directory, readable by the tenant's admins.
            mail_sink_dir=settings.data_dir / "mail-sink" if settings.demo else None,
        )


__all__ = ["Platform"]
