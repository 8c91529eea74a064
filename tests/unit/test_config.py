"""Settings: every one documented, readable from c3.toml and from C3_* variables."""

import pytest

from config import (
    CollectionSettings,
    ConnectorSettings,
    QuietHours,
    ReportKind,
    Settings,
    SmtpSettings,
    Threshold,
    WallScene,
    load_settings,
)


def test_every_setting_has_help_text():
    models = (Settings, ConnectorSettings, WallScene, Threshold, CollectionSettings, QuietHours,
              ReportKind, SmtpSettings)  # fmt: skip
    for model in models:
        undocumented = [
            n for n, f in model.model_fields.items() if not (f.description or "").strip()
        ]
        assert undocumented == [], f"{model.__name__} settings without help: {undocumented}"


def test_defaults_run_the_demo_city():
    settings = load_settings()
    assert settings.is_demo
    assert [f.name for f in settings.feeds] == ["waste", "traffic", "complaints", "crews"]
    assert all(f.url.startswith(settings.sim_url) for f in settings.feeds)
    assert settings.database_file.name == "c3.duckdb"


def test_toml_file_and_environment(tmp_path, monkeypatch):
    config = tmp_path / "c3.toml"
    config.write_text(
        'timezone = "America/Los_Angeles"\nhttp_port = 9000\n'
        '[[connectors]]\nname = "la311"\nkind = "open311"\nurl = "http://311.example/v2"\n'
    )
    monkeypatch.setenv("C3_CONFIG", str(config))
    monkeypatch.setenv("C3_HTTP_PORT", "9100")
    settings = load_settings()
    assert settings.timezone == "America/Los_Angeles"
    assert settings.http_port == 9100  # the environment wins over the file
    assert not settings.is_demo
    assert settings.feeds[0].name == "la311" and settings.feeds[0].interval_s == 60


def test_report_crontab_weekdays_are_crontabs_not_apschedulers():
    def cron(line):
        return ReportKind(name="r", title="R", cron=line).cron

    assert cron("0 7 * * 1") == "0 7 * * mon"  # crontab: 1 is Monday (APScheduler: Tuesday)
    assert cron("0 6 * * 1-5") == "0 6 * * mon,tue,wed,thu,fri"
    assert cron("0 6 * * 0,7") == "0 6 * * sun,sun"
    assert cron("0 6 * * 0-6") == "0 6 * * *"
    assert cron("0 7 * * mon-fri") == "0 7 * * mon-fri"
    for bad in ("0 7 * *", "0 25 * * *", "0 6 * * 1-5/2"):
        with pytest.raises(ValueError):
            cron(bad)
