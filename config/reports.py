"""Snapshot reports: the report kinds (`[[reports]]`, their crontab lines checked and
translated for APScheduler) and e-mail delivery (`[smtp]`)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CRON_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # crontab: 0 and 7 are Sunday


def _weekday_names(part: str) -> str:
    """One weekday item of a crontab line with its numbers as names ('1-5' -> 'mon-fri');
    a range through Sunday is split, since APScheduler's weeks end on Sunday."""
    span, _, step = part.partition("/")
    ends = span.split("-")
    if not all(d.isdigit() and int(d) <= 7 for d in ends):
        return part  # names, or * : nothing to translate
    if len(ends) == 1:
        named = CRON_DAYS[int(ends[0])]
    else:
        days = sorted({int(d) % 7 for d in range(int(ends[0]), int(ends[1]) + 1)})
        named = ",".join(CRON_DAYS[d] for d in days) if days != list(range(7)) else "*"
    if step:
        raise ValueError(f"{part!r}: write a weekday step with names (mon-fri/2)")
    return named


class ReportKind(BaseModel):
    """One kind of scheduled snapshot report."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Id, and its folder name.")
    title: str = Field(description="Title printed on the report.")
    cron: str = Field(description="When it runs: a crontab line in the city's time zone.")
    zones: list[str] = Field(default_factory=list, description="Zones it covers; empty = city.")
    department: Literal["waste", "traffic", "complaints"] | None = Field(
        default=None, description="Department it is for (its domain and the feeds), if one."
    )
    recipients: list[str] = Field(default_factory=list, description="E-mail addresses.")
    paper: Literal["A4", "Letter"] = Field(default="A4", description="PDF paper size.")
    outcomes: bool = Field(
        default=False, description="Add the week's outcomes: driving saved against the "
        "fixed schedule (`[outcomes]`), overflows and complaint KPIs against the weeks "
        "before. Plans each of the 7 days again: seconds to a minute.")  # fmt: skip

    @field_validator("cron")
    @classmethod
    def crontab_line(cls, cron: str) -> str:
        """A valid crontab line, its weekdays as names: crontab counts them from Sunday = 0,
        APScheduler from Monday = 0, so `1-5` would silently run Tuesday to Saturday."""
        from apscheduler.triggers.cron import CronTrigger

        fields = cron.split()
        if len(fields) != 5:
            raise ValueError(f"{cron!r}: a crontab line has 5 fields (min hour day month weekday)")
        fields[4] = ",".join(_weekday_names(part) for part in fields[4].split(","))
        line = " ".join(fields)
        CronTrigger.from_crontab(line)  # raises on anything else it cannot read
        return line


class SmtpSettings(BaseModel):
    """Where reports are e-mailed from; no host = reports are only written and listed."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    host: str | None = Field(default=None, description="SMTP server; unset = no e-mail.")
    port: int = Field(default=587, description="SMTP port (587 submission, 465 TLS, 25 relay).")
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls, tls (port 465) or none (a local relay)."
    )
    username: str | None = Field(default=None, description="Login, if the server needs one.")
    password_env: str = Field(
        default="C3_SMTP_PASSWORD",
        description="Environment variable holding the password (never the config file).",
    )
    sender: str = Field(default="c3@localhost", description="From address of report e-mails.")
    timeout_s: float = Field(default=20.0, gt=0, description="Seconds per SMTP conversation.")
    max_attempts: int = Field(
        default=8, ge=1, description="Delivery attempts (1, 2, 4 … minutes apart) before giving up."
    )

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


DEFAULT_REPORTS = [
    ReportKind(name="city-daily", title="City daily report", cron="0 6 * * *"),
    ReportKind(
        name="waste-weekly",
        title="Waste weekly report",
        cron="0 7 * * mon",
        department="waste",
        outcomes=True,
    ),
]
