"""Who may sign in and what each may see: the sign-in mode (`auth`), the city's OpenID
Connect provider (`[oidc]`) and the mapping of its groups to C3's roles (`[access]`)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["wall", "crew", "inspector", "operator", "department", "admin"]
Department = Literal["waste", "traffic", "complaints"]
ROLES: tuple[str, ...] = ("wall", "crew", "inspector", "operator", "department", "admin")
DEPARTMENTS: tuple[str, ...] = ("waste", "traffic", "complaints")


class Grant(BaseModel):
    """What a provider group gives its members: a role, for a department its departments
    (and optionally zones), and whether they may see personal data."""

    model_config = ConfigDict(extra="forbid")

    role: Role = Field(description="wall, crew, inspector, operator, department or admin.")
    departments: list[Department] = Field(
        default_factory=list, description="Department role: waste, traffic and/or complaints."
    )
    zones: list[str] = Field(
        default_factory=list,
        description="Department role: only these zones (their zone ids); empty = every zone.",
    )
    personal_data: bool = Field(
        default=False,
        description="May see complainants' words, addresses and raw quarantined complaints.",
    )

    @model_validator(mode="after")
    def _scope_of_a_department(self) -> Grant:
        if self.role == "department" and not self.departments:
            raise ValueError("a department grant names its departments (waste, traffic, …)")
        if self.zones and self.role != "department":
            raise ValueError(f"zones narrow a department only, not the {self.role} role")
        return self


class OidcSettings(BaseModel):
    """The city's OpenID Connect provider (authorization code flow with PKCE)."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(description="Issuer URL; its /.well-known/openid-configuration is read.")
    client_id: str = Field(description="C3's client id at the provider.")
    client_secret_env: str = Field(
        default="C3_OIDC_CLIENT_SECRET",
        description="Environment variable holding the client secret (never the config file).",
    )
    scopes: list[str] = Field(
        default_factory=lambda: ["openid", "profile", "email"],
        description="Scopes asked for; add the one your provider needs for groups.",
    )
    groups_claim: str = Field(default="groups", description="Claim listing the user's groups.")
    name_claim: str = Field(
        default="preferred_username", description="Claim shown as the signed-in name."
    )
    label: str = Field(default="the city's sign-in", description="Button text: 'Sign in with …'.")

    @field_validator("issuer")
    @classmethod
    def _web_address(cls, issuer: str) -> str:
        parts = urlsplit(issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"issuer {issuer!r}: an http:// or https:// URL")
        return issuer.rstrip("/")


class AccessSettings(BaseModel):
    """Roles from the provider's groups, personal data, sessions and sign-in attempts."""

    model_config = ConfigDict(extra="forbid")

    groups: dict[str, Grant] = Field(
        default_factory=dict,
        description="Provider group -> grant, e.g. {'c3-admins' = {role = 'admin'}}; a user "
        "in several groups gets the widest role; in none, no access.",
    )
    personal_data_roles: list[Role] = Field(
        default_factory=lambda: ["admin"],
        description="Roles that see personal data whatever their group or account says.",
    )
    session_hours: float = Field(default=12, gt=0, description="A sign-in lasts this long.")
    wall_session_days: float = Field(
        default=365, gt=0, description="A paired wall display stays signed in this long."
    )
    login_attempts: int = Field(
        default=5, ge=1, description="Failed local sign-ins per account or address per 15 min."
    )
