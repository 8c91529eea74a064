"""Config mistakes are found when the config is read, named by file and line with a "did
you mean", all at once; a mistake inside one [[connectors]] table sets that feed aside
while the others run; anything else stops C3 with the list (issue 15, items 7 and 8)."""

import json

import pytest

from config import ConfigError, load_settings
from config.problems import KeyLines

GOOD_FEED = '[[connectors]]\nname = "ok"\nkind = "open311"\nurl = "http://127.0.0.1:1/v2"\n'


@pytest.fixture
def config(tmp_path, monkeypatch):
    """Write a c3.toml with this text and name it in C3_CONFIG; its path."""

    def write(text: str):
        path = tmp_path / "c3.toml"
        path.write_text(f'data_dir = "{tmp_path}"\n' + text)
        monkeypatch.setenv("C3_CONFIG", str(path))
        return path

    return write


def test_a_misspelt_key_in_a_connector_sets_it_aside_with_a_did_you_mean(config):
    path = config(GOOD_FEED + '[[connectors]]\nname = "bins"\nkind = "ngsi-v2"\n'
                  'url = "http://127.0.0.1:1"\nentity_type = "WasteContainer"\n'
                  "intervl_s = 5\n")  # fmt: skip
    settings = load_settings()
    assert [f.name for f in settings.feeds] == ["ok"]  # the other still runs
    [problem] = settings.misconfigured
    assert problem.connector == "bins"
    assert str(problem) == (f"{path}:11: connector 'bins': unknown key intervl_s "
                            "(did you mean interval_s?)")  # fmt: skip
    assert settings.place_of("ok") == f"{path}:2"


def test_unknown_keys_elsewhere_stop_c3_with_every_problem_listed(config):
    path = config('timezone = "Mars/Olympus"\ncitty_name = "X"\n[smtp]\nhostt = "mail"\n'
                  "[collection]\nvehicels = 3\n" + GOOD_FEED)  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as "
        "Europe/Helsinki",
        f"{path}:3: unknown key citty_name (did you mean city_name?)",
        f"{path}:5: unknown key smtp.hostt (did you mean host?)",
        f"{path}:7: unknown key collection.vehicels (did you mean vehicles?)",
    ]


def test_a_near_miss_time_zone_is_suggested(config):
    config('timezone = "Europe/Helsinky"\n')
    with pytest.raises(ConfigError, match=r"did you mean Europe/Helsinki\?"):
        load_settings()


def test_c3_config_naming_a_missing_file_is_an_error_not_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("C3_CONFIG", str(tmp_path / "c3.tolm"))
    with pytest.raises(ConfigError, match=r"^C3_CONFIG: names .*c3\.tolm, which does not exist$"):
        load_settings()


def test_a_toml_syntax_error_names_its_line(config):
    path = config('city_name = "Espoo\n')
    with pytest.raises(ConfigError, match=rf"^{path}:2: not valid TOML"):
        load_settings()


def test_two_connectors_with_one_name_are_both_set_aside(config):
    path = config(GOOD_FEED + GOOD_FEED.replace("1/v2", "2/v2") +
                  GOOD_FEED.replace('"ok"', '"other"'))  # fmt: skip
    settings = load_settings()
    assert [f.name for f in settings.feeds] == ["other"]
    [problem] = settings.misconfigured
    assert str(problem) == (f"{path}:2: connector 'ok': the name 'ok' is used again (line 6); "
                            "names must be unique")  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "url", "why"),
    [
        ("open311", "ftp://city.example/open311", "open311 feeds are read over http"),
        ("ngsi-v2", "broker.example:1026", "ngsi-v2 feeds are read over http"),
        ("file", "ftp://city.example/x.csv", "reads a local path or an http(s) URL, not ftp://"),
        ("file", "exports/missing.csv", "no file at "),
    ],
)
def test_urls_a_feed_cannot_read_are_found_when_the_config_is_read(config, kind, url, why):
    extra = ('entity_type = "WasteContainer"\n' if kind == "ngsi-v2" else
             'domain = "waste"\ncolumns = {container_id = "id", observed_at = "t"}\n'
             if kind == "file" else "")  # fmt: skip
    config(f'[[connectors]]\nname = "x"\nkind = "{kind}"\nurl = "{url}"\n{extra}' + GOOD_FEED)
    settings = load_settings()
    assert [f.name for f in settings.feeds] == ["ok"]
    [problem] = settings.misconfigured
    assert problem.connector == "x" and why in problem.message


def test_a_connectors_own_time_zone_and_encoding_are_checked(config):
    config('[[connectors]]\nname = "x"\nkind = "file"\nurl = "https://a.example/x.csv"\n'
           'domain = "waste"\ncolumns = {container_id = "id", observed_at = "t"}\n'
           'source_timezone = "America/New_Yrok"\nencoding = "latin-9000"\n')  # fmt: skip
    [problem] = load_settings().misconfigured  # one connector, one problem: its reasons joined
    assert problem.message == (
        "source_timezone: unknown time zone 'America/New_Yrok' (did you mean America/New_York?); "
        "use an IANA name such as Europe/Helsinki; "
        "encoding: unknown text encoding 'latin-9000' (e.g. utf-8, cp1252)"
    )


def test_every_connector_misconfigured_means_none_run_not_the_demo_feeds(config):
    config('[[connectors]]\nname = "x"\nkind = "open311"\nurl = "ftp://a"\n')
    settings = load_settings()
    assert settings.feeds == [] and not settings.is_demo
    assert [p.connector for p in settings.misconfigured] == ["x"]


def test_a_connector_with_two_mistakes_is_one_problem_with_both_reasons(config):
    path = config('[[connectors]]\nname = "x"\nkind = "open311"\nurl = "ftp://a.example"\n'
                  "intervl_s = 5\n" + GOOD_FEED)  # fmt: skip
    settings = load_settings()
    assert [f.name for f in settings.feeds] == ["ok"]
    [problem] = settings.misconfigured  # the wall counts it once, /feeds lists it once
    assert str(problem) == (
        f"{path}:2: connector 'x': unknown key intervl_s (did you mean interval_s?); "
        "url 'ftp://a.example': open311 feeds are read over http:// or https://"
    )


def test_a_connector_set_aside_by_the_config_is_not_built_again(config):
    from config import ConfigProblem
    from connectors.runner import build_connectors

    config(GOOD_FEED)
    settings = load_settings()
    settings._misconfigured = [ConfigProblem("c3.toml:2", "set aside", "ok")]
    connectors, aside = build_connectors(settings)
    assert connectors == [] and [p.connector for p in aside] == ["ok"]


def test_a_name_used_by_a_valid_and_an_invalid_entry_sets_both_aside(config):
    path = config(GOOD_FEED + GOOD_FEED.replace("http://127.0.0.1:1/v2", "ftp://a.example") +
                  GOOD_FEED.replace('"ok"', '"other"'))  # fmt: skip
    settings = load_settings()
    assert [f.name for f in settings.feeds] == ["other"]  # not the valid 'ok'
    [problem] = settings.misconfigured
    assert str(problem) == (
        f"{path}:2: connector 'ok': the name 'ok' is used again (line 6); names must be "
        "unique; line 6: url 'ftp://a.example': open311 feeds are read over http:// or https://"
    )


def test_every_problem_is_listed_when_the_config_cannot_be_used_the_connectors_too(config):
    path = config('timezone = "Mars/Olympus"\n[[connectors]]\nname = "x"\nkind = "open311"\n'
                  'url = "ftp://a.example"\n' + GOOD_FEED)  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as "
        "Europe/Helsinki",
        f"{path}:3: connector 'x': url 'ftp://a.example': open311 feeds are read over http:// "
        "or https://",
    ]


def test_connectors_from_the_environment_are_checked_one_by_one_like_the_files(
    config, monkeypatch, tmp_path
):
    config('timezone = "Europe/Helsinki"\n')
    good = {"name": "ok", "kind": "open311", "url": "http://127.0.0.1:1/v2"}
    monkeypatch.setenv("C3_CONNECTORS", json.dumps([
        good,
        {**good, "name": "ftp", "url": "ftp://a.example"},
        {**good, "name": "twice"},
        {"name": "x", "kind": "file", "url": str(tmp_path / "missing.csv"), "domain": "waste",
         "columns": {"container_id": "id", "observed_at": "t"}},
        {**good, "name": "twice", "intervl_s": 5},
    ]))  # fmt: skip
    settings = load_settings()  # one bad entry does not stop C3
    assert [f.name for f in settings.feeds] == ["ok"]
    assert [str(p) for p in settings.misconfigured] == [
        "environment C3_CONNECTORS[1]: connector 'ftp': url 'ftp://a.example': open311 feeds "
        "are read over http:// or https://",
        "environment C3_CONNECTORS[2]: connector 'twice': the name 'twice' is used again "
        "(C3_CONNECTORS[4]); names must be unique; C3_CONNECTORS[4]: unknown key intervl_s "
        "(did you mean interval_s?)",
        f"environment C3_CONNECTORS[3]: connector 'x': no file at {tmp_path / 'missing.csv'}",
    ]
    assert settings.place_of("ok") == "environment C3_CONNECTORS[0]"


def test_connectors_in_the_environment_that_are_not_a_json_list_are_a_config_error(
    config, monkeypatch
):
    config("")
    monkeypatch.setenv("C3_CONNECTORS", '[{"name": "ok",')
    with pytest.raises(ConfigError, match=r"^environment C3_CONNECTORS: not valid JSON: "):
        load_settings()
    monkeypatch.setenv("C3_CONNECTORS", '{"name": "ok"}')
    with pytest.raises(ConfigError, match=r"^environment C3_CONNECTORS: must be a JSON list"):
        load_settings()


def test_a_setting_from_the_environment_is_blamed_on_the_environment_not_the_file(
    config, monkeypatch
):
    config('timezone = "Europe/Helsinki"\n[smtp]\nhost = "mail"\n')
    monkeypatch.setenv("C3_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("C3_SMTP__PORT", "abc")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert sorted(p.where for p in caught.value.problems) == [
        "environment C3_SMTP__PORT",
        "environment C3_TIMEZONE",
    ]


def test_key_lines_follow_tables_arrays_and_inline_tables():
    lines = KeyLines('a = 1\n[smtp]\nhost = "x"\n[[connectors]]\nname = "p"\n'
                     '[[connectors]]\nname = "q"\ncolumns = {id = "ID"}\n')  # fmt: skip
    assert lines.line_of(("smtp", "host")) == 3
    assert lines.line_of(("connectors", 1, "name")) == 7
    assert lines.line_of(("connectors", 1, "columns", "id")) == 8  # the inline table's line
    assert lines.line_of(("connectors", 1, "url")) == 6  # not set: its table's header


def test_a_shared_store_is_checked_when_the_config_is_read(config):
    config("web_workers = 4\n")  # several web servers on the one-process file
    with pytest.raises(ConfigError, match="web_workers > 1 needs a shared store"):
        load_settings()
    config('[store]\nkind = "ducklake"\n')
    with pytest.raises(ConfigError, match="a ducklake store needs its catalog"):
        load_settings()
    config('[store]\nkind = "ducklake"\ncatalog = "postgres:dbname=c3 password=secret"\n')
    with pytest.raises(ConfigError, match="keep the catalog's password out of the config"):
        load_settings()
    path = config('web_workers = 4\n[store]\nkind = "ducklake"\n'
                  'catalog = "postgres:dbname=c3 host=db.city.local"\n')  # fmt: skip
    settings = load_settings()
    assert (settings.web_workers, settings.lake_data_path) == (4, str(path.parent / "lake"))
    assert settings.web_threads == 64  # a lake's requests mostly wait their turn to read
    config("")
    assert load_settings().web_threads == 8  # one process on the file
    config('web_threads = 12\n[store]\nkind = "ducklake"\ncatalog = "postgres:dbname=c3"\n')
    assert load_settings().web_threads == 12


def test_memory_and_retention_are_checked_when_the_config_is_read(config):
    config('[store]\nmemory_limit = "lots"\n')
    with pytest.raises(ConfigError, match="'lots' is not a size: write e.g. '2GB'"):
        load_settings()
    config("[retention]\nraw_days = 7\n")  # the collection profiles read four weeks
    with pytest.raises(ConfigError, match="raw_days"):
        load_settings()
    config('[store]\nmemory_limit = "512MB"\n[retention]\nraw_days = 60\nreport_days = 30\n')
    settings = load_settings()
    assert settings.store.memory_limit == "512MB"
    assert (settings.retention.raw_days, settings.retention.report_days) == (60, 30)
    # each rollup grain is kept at least as long as the finer one it is rolled up from
    config("[retention]\nraw_days = 120\nrollup_15min_days = 60\n")
    with pytest.raises(ConfigError, match=r"rollup_15min_days \(60\) must be at least "
                                          r"raw_days \(120\)"):  # fmt: skip
        load_settings()
    # a config written before the grains had their own days still loads: they fit in
    config("[retention]\nrollup_days = 60\n")
    keep = load_settings().retention
    assert (keep.raw_days, keep.rollup_15min_days, keep.rollup_hourly_days) == (35, 60, 60)
