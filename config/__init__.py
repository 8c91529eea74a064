"""C3 settings: one typed object read from `c3.toml` and `C3_*` environment variables.

Every setting has a default and one line of help (its `description`); `c3 config`
prints them, `docs/settings.md` is generated from them (`python -m scripts.settings_doc
--write`), and a test fails when one lacks help.

The package is cut by owner: `settings` (the top level, `Settings`), `connectors`
(the feeds), `collection` (windows, routes, quiet hours), `reports` (report kinds and
e-mail) and `wall` (thresholds and scenes). Import from `config` itself.
"""

from __future__ import annotations

from config.access import DEPARTMENTS, ROLES, AccessSettings, Grant, OidcSettings
from config.collection import HHMM, CollectionSettings, QuietHours
from config.connectors import ConnectorSettings
from config.loading import load_settings
from config.problems import ConfigError, ConfigProblem
from config.reports import CRON_DAYS, DEFAULT_REPORTS, ReportKind, SmtpSettings
from config.settings import CONFIG_FILE_ENV, Settings
from config.store import StoreSettings
from config.wall import DEFAULT_SCENES, DEFAULT_THRESHOLDS, Threshold, WallScene

__all__ = [
    "DEPARTMENTS",
    "ROLES",
    "AccessSettings",
    "Grant",
    "OidcSettings",
    "CONFIG_FILE_ENV",
    "CRON_DAYS",
    "DEFAULT_REPORTS",
    "DEFAULT_SCENES",
    "DEFAULT_THRESHOLDS",
    "HHMM",
    "CollectionSettings",
    "ConfigError",
    "ConfigProblem",
    "ConnectorSettings",
    "QuietHours",
    "ReportKind",
    "Settings",
    "SmtpSettings",
    "StoreSettings",
    "Threshold",
    "WallScene",
    "load_settings",
]

