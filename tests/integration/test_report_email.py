"""Report e-mail against a local SMTP server (aiosmtpd): the PDF arrives attached; with
the server down the report is still written, the failure is logged and recorded, and the
delivery is retried until it goes through."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller

from config import ReportKind, SmtpSettings, load_settings
from services.reports.producer import Reporter
from sim.demo_history import backfill_demo
from store import reports
from tests.helpers import FIXED_NOW, TZ

KIND = ReportKind(name="city-daily", title="City daily report", cron="0 9 * * *",
                  recipients=["mayor@city.example", "ops@city.example"])  # fmt: skip


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def reporter(store, city, demo_city, tmp_path):
    backfill_demo(store, demo_city, days=1, step_minutes=15, now=FIXED_NOW)
    port = free_port()
    settings = load_settings(
        timezone=TZ, data_dir=tmp_path / "var", reports=[KIND],
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", max_attempts=3,
                          timeout_s=5),
    )  # fmt: skip
    return Reporter(store, settings, city.bounds, None, {}), port


def deliveries(store):
    with store.reading() as cur:
        return reports.report_runs(cur)[["status", "delivery", "attempts", "last_error"]]


def test_the_report_is_mailed_with_its_pdf_once_the_server_is_back(reporter, store, caplog):
    reporter, port = reporter
    slot_passed = FIXED_NOW + timedelta(minutes=1)
    reporter.tick(slot_passed)  # the SMTP server is down
    pdf = reporter.settings.report_folder / "city-daily" / "2026-11-17T0900.pdf"
    assert pdf.exists()  # the report is written all the same
    first = deliveries(store).iloc[0]
    assert first.status == "ok" and first.delivery == "pending" and first.attempts == 1
    assert "Connection refused" in first.last_error or "Errno" in first.last_error
    assert "e-mail failed (attempt 1)" in caplog.text

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        reporter.tick(slot_passed + timedelta(seconds=30))  # before the retry is due
        assert inbox.messages == []
        reporter.tick(slot_passed + timedelta(minutes=1))  # due: 1 minute after the failure
        reporter.tick(slot_passed + timedelta(minutes=5))  # sent once only
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    recipients, raw = inbox.messages[0]
    assert recipients == KIND.recipients
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == "City daily report — Helsinki (central) — 2026-11-17 09:00"
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["2026-11-17T0900.pdf"]
    assert attachments[0].get_content() == pdf.read_bytes()
    assert "Parts missing:" in mail.get_body(("plain",)).get_content()  # no complaints here
    sent = deliveries(store).iloc[0]
    assert sent.delivery == "sent" and sent.attempts == 2


def test_a_due_delivery_is_taken_by_one_sender_only(reporter, store):
    reporter, _ = reporter
    at = FIXED_NOW + timedelta(minutes=1)
    reporter.produce(KIND, FIXED_NOW, now=at)  # queued, due at once
    first = reports.take_due_deliveries(store, at)
    assert [(k, r) for k, _, r, _ in first] == [("city-daily", KIND.recipients)]
    assert reports.take_due_deliveries(store, at) == []  # the scheduler's tick meanwhile
    # a sender that died without recording its attempt: due again after SENDING_FOR
    assert len(reports.take_due_deliveries(store, at + reports.SENDING_FOR)) == 1


def test_an_on_demand_report_is_mailed_only_when_asked(reporter, store):
    reporter, _ = reporter
    reporter.on_demand("city-daily", FIXED_NOW)
    with store.reading() as cur:
        assert reports.report_runs(cur)["delivery"].isna().all()
    with pytest.raises(ValueError, match="in the future"):
        reporter.on_demand("city-daily", datetime.now(UTC) + timedelta(days=1))


def test_a_delivery_that_keeps_failing_gives_up_and_says_so(reporter, store):
    reporter, _ = reporter
    when = FIXED_NOW + timedelta(minutes=1)
    for minutes in (0, 1, 3, 7, 15):  # attempts at +0, +1, +3 (then out of attempts)
        reporter.tick(when + timedelta(minutes=minutes))
    final = deliveries(store).iloc[0]
    assert final.delivery == "failed" and final.attempts == 3
    assert final.status == "ok"  # the report itself was produced
