"""E-mail delivery of reports: one message per report to its kind's recipients, the PDF
attached, over the configured SMTP server. An attempt that fails is retried with
backoff (1, 2, 4 … minutes) by the scheduler's report job, up to `max_attempts`."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from config import SmtpSettings


def message(sender: str, recipients: list[str], subject: str, body: str,
            pdf: Path | None) -> EmailMessage:  # fmt: skip
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, ", ".join(recipients), subject
    mail.set_content(body)
    if pdf is not None:
        mail.add_attachment(
            pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name
        )
    return mail


def send(smtp: SmtpSettings, mail: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises on any failure."""
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s,
                                  context=ssl.create_default_context())  # fmt: skip
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(mail)


def next_attempt(now: datetime, attempts_made: int, max_attempts: int) -> datetime | None:
    """When to try again after `attempts_made` failures; None when out of attempts."""
    if attempts_made >= max_attempts:
        return None
    return now + timedelta(minutes=2 ** (attempts_made - 1))
