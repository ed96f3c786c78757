"""The one typed configuration of a workspace.

Built by :func:`load_settings` and handed to ``Workspace(...)``; nothing reads the
environment at import time. Every field carries a description, which feeds
``docs/settings.md`` and a test that checks all of them are documented.
Environment variables use the prefix ``PERSONA360_`` (``PERSONA360_DB``,
``PERSONA360_DEFAULT_REGION``...).

The settings that describe the shop's data rather than the machine (:data:`WORKSPACE_SETTINGS`:
its currencies, rates and phone region) can also be kept in the workspace file
(``persona360 settings set``), so that every process opening it (CLI, server, web, Python)
reports the same figures. An explicit argument wins over the environment, which wins over the
workspace's stored value, which wins over the default (:func:`with_stored`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import phonenumbers
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from persona360.errors import Persona360Error
from persona360.store.money import Money, currency_code

DEFAULT_IDENTIFIER_LIMITS: dict[str, int] = {
    "user_id": 3,
    "email": 10,
    "phone": 10,
    "anonymous_id": 500,
    # families: every external-id namespace and social platform on its own
    "id:*": 5,
    "handle:*": 5,
}
# A DuckDB memory size (4GB, 512MiB, 1.5 GB) or a share of the machine's memory (30%).
_MEMORY_LIMIT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|%)\s*", re.IGNORECASE)
# Settings that describe the shop's data, which a workspace may keep (``persona360 settings set``);
# the machine's (db, memory, ports) and secrets stay in the environment.
WORKSPACE_SETTINGS: tuple[str, ...] = ("reporting_currency", "exchange_rates", "revenue_currency", "default_region")
# Rates convert into the reporting currency: the two are taken from the same place, never mixed.
_TOGETHER = frozenset({"reporting_currency", "exchange_rates"})
DEFAULT_BLOCKLIST: list[str] = [
    "email:test@example.com",
    "email:test@test.com",
    "email:noemail@example.com",
    "email:no@email.com",
    "phone:+10000000000",
    "phone:0000000000",
    "user_id:undefined",
    "user_id:null",
    "user_id:0",
    "anonymous_id:undefined",
    "anonymous_id:null",
]


class Settings(BaseSettings):
    """Settings of one persona360 workspace and the server that serves it."""

    model_config = SettingsConfigDict(env_prefix="PERSONA360_", extra="forbid")

    db: Path = Field(Path("persona360.duckdb"), description="Path of the workspace DuckDB file.")
    env: str = Field("dev", description="Deployment kind: dev, test or prod.")
    default_region: str = Field(
        "UA",
        description="Region (ISO 3166 alpha-2) assumed for phone numbers written without +country.",
    )
    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8360, description="Port the server listens on.")
    max_event_bytes: int = Field(32 * 1024, description="Largest accepted single event, in bytes.")
    max_body_bytes: int = Field(4 * 1024 * 1024, description="Largest accepted request body (after gzip), in bytes.")
    memory_limit: str = Field(
        "30%",
        description=(
            "Most memory each DuckDB database of a process may hold: the workspace, and the "
            "in-memory one Splink matches in. A size (`4GB`, `512MiB`) or a share of the "
            "machine's memory (`30%`). Beyond it DuckDB drops cached blocks and spills to a "
            "temporary folder beside the workspace; DuckDB's own default (80% each) let a "
            "million-person demo run out of memory."
        ),
    )
    max_future_seconds: int = Field(
        24 * 3600,
        description="How far in the future a (skew-corrected) event timestamp may lie.",
    )
    max_past_days: int = Field(3650, description="How far in the past an event timestamp may lie, in days.")
    batch_max_events: int = Field(5000, description="Most events the writer commits in one micro-batch.")
    batch_max_wait_ms: int = Field(
        0,
        description="How long the writer waits to fill a micro-batch, in milliseconds. 0 (group commit): "
        "it commits what is queued at once, and requests arriving meanwhile share the next commit.",
    )
    batch_gather_ms: int = Field(
        10,
        ge=0,
        description="Longest time, in milliseconds, the writer holds a commit for tracking requests that are "
        "already being read or validated, or, under a steady load, for as many requests as the last commit "
        "held, so that they share it; it never waits when none is on its way and the server was quiet.",
    )
    batch_derive_within_ms: int = Field(
        200,
        gt=0,
        description="Longest time, in milliseconds, acknowledged events wait before their profiles and live "
        "segments are updated, however busy the tracking API is, while something follows events live (an "
        "active segment, a computed trait or an event-triggered campaign).",
    )
    batch_derive_relaxed_ms: int = Field(
        2000,
        gt=0,
        description="The same bound while nothing follows events live: profiles are then updated less often, "
        "in larger and cheaper steps (or once 50,000 events wait, or the API is idle for 250 ms). Admin and UI "
        "reads still see every acknowledged event, as each read first updates what waits. Set, it must be at "
        "least batch_derive_within_ms; left at its default, it follows a longer batch_derive_within_ms.",
    )
    identifier_limits: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_IDENTIFIER_LIMITS),
        description="Guardrail: most identifiers of one kind a single profile may hold.",
    )
    identifier_blocklist: list[str] = Field(
        default_factory=lambda: list(DEFAULT_BLOCKLIST),
        description="Guardrail: identifiers ('kind:value', normalised) that never link people.",
    )
    identifier_weak_kinds: list[str] = Field(
        default_factory=lambda: ["anonymous_id", "handle:*"],
        description=(
            "Guardrail: identifier kinds several people can present (a family tablet's anonymous id, a "
            "social handle typed into a form) that never join two profiles each holding an identifier of "
            "one of identifier_owner_kinds; the weak identifier stays with the profile it joined first and "
            "the blocked link is logged. Empty turns the guard off."
        ),
    )
    identifier_owner_kinds: list[str] = Field(
        default_factory=lambda: ["user_id", "id:*"],
        description="Guardrail: identifier kinds that name one account ('id:*' is every external-id namespace).",
    )
    identifier_shared_kinds: list[str] = Field(
        default_factory=lambda: ["email", "phone"],
        description=(
            "Guardrail: identifier kinds two people may both give (a family email or home phone, an address "
            "typed by the wrong person); one joins two profiles each holding an identifier of "
            "identifier_owner_kinds only when another identifier of the same record is already in its profile "
            "(a guest checkout from the person's own browser or phone); otherwise the link is blocked, logged "
            "and left to probabilistic matching. Empty turns the guard off."
        ),
    )
    trait_source_priority: list[str] = Field(
        default_factory=list,
        description="Sources whose trait values win over more recent ones, most trusted first.",
    )
    trait_policy: str = Field(
        "most_recent",
        description=(
            "How the shown trait value is picked: most_recent (the latest observation), most_trusted (the "
            "first source of trait_source_priority, then the latest) or most_frequent (the value seen most "
            "often, then the latest). A row imported from a file with no timestamp column counts as observed "
            "when it was imported (the export is that recent): it outranks values dated before the import and "
            "yields to values dated after it."
        ),
    )
    stale_after_days: int = Field(365, description="Trait values older than this are marked stale.")
    sweep_seconds: float = Field(
        15.0,
        description="How often the server applies the passing of time to segments and sends due webhooks.",
    )
    rfm_refresh_seconds: float = Field(
        3600.0,
        description="How often the clock sweep recomputes RFM scores (they are relative to all buyers).",
    )
    predict_every_hours: float = Field(
        24.0, description="How often the server refits CLV, P(alive) and churn predictions, in hours."
    )
    revenue_currency: str = Field("UAH", description="Currency assumed for revenue when an order names none.")
    reporting_currency: str = Field(
        "",
        description="Currency that reports and each profile's stored revenue convert revenue into with "
        "exchange_rates (e.g. UAH), so that RFM, segments, personas and the revenue sort compare one currency; "
        "empty keeps each currency's revenue apart, as a sum across currencies means nothing. A change takes "
        "effect for every profile the next time the workspace opens.",
    )
    exchange_rates: list[str] = Field(
        default_factory=list,
        description="Dated rates into reporting_currency, each 'CUR YYYY-MM-DD RATE' (1 CUR is worth RATE from that "
        'day, UTC, until a later rate of CUR), e.g. ["PLN 2026-01-01 10.45"]. Never fetched: an order whose '
        "currency has no rate on its day is reported apart, marked not converted.",
    )
    personas_k_min: int = Field(3, description="Fewest personas `persona360 personas build` tries.")
    personas_k_max: int = Field(12, description="Most personas `persona360 personas build` tries.")
    personas_stale_days: int = Field(
        183,
        description="Age in days after which a persona model is flagged stale (six months) and the server rebuilds it.",
    )
    personas_refresh_minutes: float = Field(
        15.0,
        description="How often the server scores new or changed customers against the latest persona model "
        "(in SQL, no rebuild); 0 turns it off. A stale model is rebuilt instead.",
    )
    personas_gift_days: str = Field(
        "02-14,03-08,08-24,09-01,10-01,10-31,black-friday,12-06,12-19,12-25,12-31",
        description="The shop's gift holidays (comma-separated MM-DD, or black-friday): a customer's share "
        "of orders placed in the days before one is a persona feature (`holiday_share`).",
    )
    personas_gift_window_days: int = Field(
        14, description="How many days before a gift holiday an order counts as bought for it."
    )
    personas_archetypes: Path | None = Field(
        None, description="TOML file of archetypes personas are matched against [default: the packaged table]."
    )
    resolution_upper: float = Field(
        0.99, description="Match probability at or above which `persona360 resolve` merges two profiles."
    )
    resolution_lower: float = Field(
        0.8, description="Match probability from which `persona360 resolve` queues a pair for review."
    )
    resolution_device_hours: float = Field(
        96.0,
        ge=0,
        allow_inf_nan=False,
        description="Longest gap, in hours, between a device's old anonymous id and a new one (same IP, user agent "
        "and locale) for `persona360 resolve` to join a profile holding only the new one to the old one's; "
        "0 turns the device rule off.",
    )
    resolution_home_network: bool = Field(
        True,
        description="Let `persona360 resolve` join a profile holding only anonymous ids to the one customer seen on "
        "its home network (the IPv4 address or IPv6 /64 holding most of its events, same locale); false turns the "
        "rule off.",
    )
    resolution_backend: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description=(
            "Where a full `persona360 resolve` runs Splink: `duckdb` in the process, or `spark` "
            "(local Spark, same settings; needs Java, starts a JVM). Incremental runs use DuckDB."
        ),
    )
    consent_default_allow: list[str] = Field(
        ["transactional", "analytics", "profiling"],
        description=(
            "Purposes allowed for a profile with no live consent decision (profiling on legitimate interest, "
            "so only a withdrawal excludes a person from predictions and personas); the others need a grant."
        ),
    )
    survey_link_secret: str = Field(
        "dev-only-survey-link-secret",
        description="Key that signs one-click survey answer links; set your own outside dev (the default is refused).",
    )
    enrich_auto: bool = Field(
        True,
        description="The server enriches new and changed profiles in the background (people who allow enrichment).",
    )
    enrich_auto_providers: list[str] = Field(
        default_factory=lambda: ["phone", "email", "name", "ip", "user_agent"],
        description="Built-in providers automatic enrichment uses (all offline: no outside service slows ingestion).",
    )
    enrich_city_db: Path | None = Field(
        None,
        description=(
            "A MaxMind-format city database (.mmdb: GeoLite2 City, DB-IP City Lite) for IP -> city, region and "
            "time zone; by default the GeoLite2 snapshot shipped by the maxminddb-geolite2 package (2018)."
        ),
    )
    enrich_providers_file: Path | None = Field(
        None,
        description=(
            "A TOML file of remote enrichment providers (URL, inputs, field mapping, auth from environment "
            "variables, rate limit); each becomes usable as `persona360 enrich --provider NAME`."
        ),
    )
    suppression_secret: str = Field(
        "dev-only-suppression-secret",
        description=(
            "Key of the HMAC that stands for an erased person's identifiers on the suppression list; keep it "
            "outside the workspace and never change it (the default is refused outside dev)."
        ),
    )
    source_purposes: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            'Purposes each source collected its data for ({"shop-orders": ["transactional"]}): its '
            "addresses are used only for those, unless the person granted the purpose on that channel. "
            "Sources not named: every purpose."
        ),
    )
    retention_days: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Days events are kept, per rule: 'source:NAME', 'type:page', 'event:Product Viewed' or "
            "'anonymous' (events with no identifier but an anonymous id); the shortest matching rule wins. "
            "'identifiers:SOURCE': days an email or phone that only SOURCE supplied (e.g. for order delivery) "
            "is kept after that source's last record carrying it, unless marketing was granted on its channel. "
            "Empty: keep everything."
        ),
    )
    retention_every_hours: float = Field(24.0, description="How often the server applies the retention rules.")
    encryption_key: str = Field(
        "", description="Encrypt the workspace file with this DuckDB key (AES-256-GCM); empty: not encrypted."
    )
    encryption_key_file: Path | None = Field(
        None, description="A file holding the encryption key (wins over PERSONA360_ENCRYPTION_KEY)."
    )
    encryption_allow_mbedtls: bool = Field(
        False,
        description=(
            "Write an encrypted workspace with DuckDB's built-in crypto when its httpfs extension (OpenSSL) "
            "is not installed; DuckDB calls that mode not securely encrypted."
        ),
    )
    activation_locale: str = Field("uk_UA", description="Locale of dates, money and generic wording in messages.")
    activation_stale_after_days: int = Field(
        180, description="A trait older than this is not used in a message; the generic wording is."
    )
    activation_min_confidence: float = Field(
        0.5, description="A trait with lower confidence is not used in a message; the generic wording is."
    )
    activation_use_inferred: bool = Field(
        False, description="Let messages use traits an enrichment provider inferred (by default only observed ones)."
    )
    activation_default_timezone: str = Field(
        "Europe/Kyiv", description="Time zone of a profile without a timezone trait (for quiet hours)."
    )
    activation_quiet_hours: tuple[int, int] = Field(
        (21, 9),
        description="Local hours [start, end) in which messages wait instead of being sent; equal hours mean none.",
    )
    activation_frequency_cap: int = Field(1, description="Most messages one profile gets per channel per window.")
    activation_frequency_hours: float = Field(24.0, description="The frequency cap window, in hours.")
    activation_max_attempts: int = Field(5, description="Send attempts before a message is dead-lettered.")
    activation_rate_per_second: float = Field(
        20.0, description="Most messages handed per second to a channel not named in the channel rates (0: no limit)."
    )
    activation_channel_rates: dict[str, float] = Field(
        default_factory=dict,
        description=(
            'Most messages handed per second to each channel, across its connections ({"sms": 5, "email": 200}); '
            "0: no limit."
        ),
    )
    activation_connections: int = Field(
        4, description="Connections a delivery run opens to a channel's server, each on its own thread."
    )
    activation_conversion_days: float = Field(
        7.0, description="An order this long after a campaign's last message counts as its conversion."
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server that sends campaign email.")
    smtp_port: int = Field(25, description="Port of the SMTP server.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str = Field("", description="SMTP login; empty means no AUTH.")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_sender: str = Field("shop@example.org", description="From address of campaign email.")
    sms_url: str = Field("https://api.twilio.com", description="Base URL of the Twilio-style SMS Messages API.")
    sms_account: str = Field("", description="SMS API account SID (the HTTP Basic user).")
    sms_token: str = Field("", description="SMS API auth token (the HTTP Basic password).")
    sms_sender: str = Field("", description="Sender of SMS: a number in E.164 or an alphanumeric sender id.")
    viber_url: str = Field("https://api.infobip.com", description="Base URL of the Infobip-style Viber API.")
    viber_api_key: str = Field("", description="Viber API key (sent as `Authorization: App KEY`).")
    viber_sender: str = Field("", description="Viber business sender name.")
    activation_webhook_url: str = Field("", description="URL the `webhook` campaign channel posts each message to.")
    activation_webhook_secret: str = Field(
        "", description="Key that signs webhook channel posts (HMAC-SHA256, like segment triggers)."
    )
    tracking_base_url: str = Field(
        "http://127.0.0.1:8360", description="Public base URL of the server, used in click and open links."
    )
    tracking_secret: str = Field(
        "dev-tracking-secret",
        description="Key that signs click and open links; set your own outside dev (the default is refused).",
    )

    @model_validator(mode="after")
    def _relaxed_bound(self) -> Settings:
        """A relaxed bound set below the live one is refused; the default follows a longer live one.

        The demo's bulk feed sets the live bound to 5 s: the relaxed default (2 s) must not
        refuse that, nor undercut it.
        """
        if self.batch_derive_relaxed_ms >= self.batch_derive_within_ms:
            return self
        if "batch_derive_relaxed_ms" in self.model_fields_set:
            raise ValueError(
                f"batch_derive_relaxed_ms ({self.batch_derive_relaxed_ms}) is below batch_derive_within_ms "
                f"({self.batch_derive_within_ms}): the bound while nothing follows events live cannot be the "
                "shorter one"
            )
        self.batch_derive_relaxed_ms = self.batch_derive_within_ms
        return self

    @model_validator(mode="after")
    def _money(self) -> Settings:
        """Currencies and rates are checked when the settings are built, not at the first report.

        A value is written back only when checking changed it: an assignment marks the field
        as given, and a field given wins over the value the workspace keeps (:func:`with_stored`).
        """
        revenue = currency_code(self.revenue_currency, "revenue_currency", known=True)
        if revenue != self.revenue_currency:
            self.revenue_currency = revenue
        if self.reporting_currency:
            reporting = currency_code(self.reporting_currency, "reporting_currency", known=True)
            if reporting != self.reporting_currency:
                self.reporting_currency = reporting
        Money.from_settings(self)
        return self

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(
                f"default_region {value!r} is not a region code phone numbers are read in: "
                "give an ISO 3166 alpha-2 code such as UA, PL or US"
            )
        return region

    @field_validator("memory_limit")
    @classmethod
    def _memory_limit(cls, value: str) -> str:
        match = _MEMORY_LIMIT.fullmatch(value)
        if match is None or float(match[1]) == 0 or (match[2] == "%" and float(match[1]) > 100):
            raise ValueError(
                f"memory_limit {value!r} is neither a size such as 4GB or 512MiB nor a share of memory from 1% to 100%"
            )
        return value.strip()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, then apply explicit ``overrides``.

    Args:
        **overrides: field values that win over the environment (``None`` is ignored).

    Returns:
        The settings.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)


class SettingNameError(ValueError, Persona360Error):
    """A setting a workspace cannot keep (unknown, or one of the machine's)."""


def check_storable(name: str) -> str:
    """``name`` if a workspace may keep it, else a SettingNameError naming it and the ones it may keep."""
    if name in WORKSPACE_SETTINGS:
        return name
    kept = ", ".join(WORKSPACE_SETTINGS)
    if name in Settings.model_fields:
        raise SettingNameError(
            f"{name} is a setting of the machine or a secret, not of the shop's data: the workspace does not "
            f"keep it; set PERSONA360_{name.upper()} in the environment instead (the workspace keeps {kept})"
        )
    raise SettingNameError(f"there is no setting {name!r}: the workspace keeps {kept}")


class SettingValueError(ValueError, Persona360Error):
    """A setting's value that is not valid."""


def parse_setting(name: str, values: list[str]) -> Any:
    """The value of setting ``name`` from command-line text, read as its environment variable is.

    A list setting takes one item per argument, or one argument holding a JSON list (as
    ``PERSONA360_EXCHANGE_RATES``); any other takes exactly one argument.

    Example:
        >>> parse_setting("exchange_rates", ['["PLN 2026-01-01 10.25"]'])
        ['PLN 2026-01-01 10.25']
        >>> parse_setting("exchange_rates", ["PLN 2026-01-01 10.25", "USD 2026-01-01 41"])
        ['PLN 2026-01-01 10.25', 'USD 2026-01-01 41']
    """
    check_storable(name)
    if Settings.model_fields[name].annotation != list[str]:
        if len(values) != 1:
            raise ValueError(f"{name} takes one value, not {len(values)}")
        return values[0]
    if len(values) == 1 and values[0].lstrip().startswith("["):
        try:
            return json.loads(values[0])
        except json.JSONDecodeError as error:
            raise ValueError(f"{name}: {values[0]!r} is not a JSON list ({error.msg})") from None
    return list(values)


def settings_error_text(error: ValidationError | SettingsError) -> str:
    """A settings error as one line naming each field, as the CLI prints it (no pydantic boilerplate)."""
    if isinstance(error, SettingsError):
        return f"{error}: write lists and tables as JSON, e.g. PERSONA360_EXCHANGE_RATES='[\"PLN 2026-01-01 10.45\"]'"
    parts = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item["loc"])
        parts.append(message if not where or message.startswith(where) else f"{where}: {message}")
    return "; ".join(parts)


def given_settings(settings: Settings) -> dict[str, str]:
    """Where each setting given to ``settings`` came from: ``environment`` or ``argument``."""
    environment = {key.upper() for key in os.environ}
    return {
        name: "environment" if f"PERSONA360_{name.upper()}" in environment else "argument"
        for name in settings.model_fields_set
    }


def setting_sources(settings: Settings, stored: dict[str, Any]) -> dict[str, str]:
    """Where each of :data:`WORKSPACE_SETTINGS` comes from: argument, environment, workspace or default.

    ``reporting_currency`` and ``exchange_rates`` go together: the rates convert into that
    currency, so when either is given the workspace's pair is not used.
    """
    given = given_settings(settings)
    paired = bool(_TOGETHER & set(given))
    sources = {}
    for name in WORKSPACE_SETTINGS:
        if name in given:
            sources[name] = given[name]
        elif name in stored and not (paired and name in _TOGETHER):
            sources[name] = "workspace"
        else:
            sources[name] = "default"
    return sources


def with_stored(settings: Settings, stored: dict[str, Any]) -> Settings:
    """``settings`` with the workspace's ``stored`` values where :func:`setting_sources` says so.

    Raises:
        SettingValueError: a stored value is not valid (the message names it, as for the environment).
    """
    sources = setting_sources(settings, stored)
    usable = {name: stored[name] for name, source in sources.items() if source == "workspace"}
    if not usable:
        return settings
    given = set(settings.model_fields_set)
    try:
        built = Settings(**{name: getattr(settings, name) for name in given}, **usable)
    except ValidationError as error:
        raise SettingValueError(f"a setting kept in the workspace: {settings_error_text(error)}") from None
    built.__pydantic_fields_set__ = given  # what the workspace supplied was not given
    return built


def settings_reference() -> list[tuple[str, str, str, bool]]:
    """Return (environment variable, default, help, kept by a workspace) for every setting, for docs and --help."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        shown = str(default) if isinstance(default, Path) else repr(default)
        rows.append((f"PERSONA360_{name.upper()}", shown, field.description or "", name in WORKSPACE_SETTINGS))
    return rows


def settings_markdown() -> str:
    """``docs/settings.md``: every setting with its variable, default and help."""
    lines = [
        "# Settings",
        "",
        "Every setting can be given as an environment variable. This page is generated by",
        "`make docs` from `persona360/settings.py`; a test checks it is current.",
        "",
        "The settings that describe the shop's data (marked *workspace* below) can also be kept",
        "in the workspace file, so that the CLI, the server, the web UI and Python all read the",
        "same ones without exporting anything:",
        "",
        "```sh",
        "persona360 settings set reporting_currency UAH",
        "persona360 settings set exchange_rates 'PLN 2026-08-26 10.25' 'USD 2026-08-26 41'",
        "persona360 settings show            # each value and where it comes from; --json",
        "persona360 settings unset exchange_rates",
        "```",
        "",
        "Where a value comes from, first match wins: an explicit argument (`load_settings(...)`,",
        "`Workspace.open(..., reporting_currency=...)`), then the environment variable, then the",
        "value kept in the workspace, then the default. `reporting_currency` and `exchange_rates`",
        "go together (the rates convert into that currency): when an argument or the environment",
        "gives either, the workspace's pair is not used. A stored value is checked as the",
        "environment variable is, and gets the same error. The machine's settings (paths, memory,",
        "ports) and secrets are refused: they stay in the environment. Setting or unsetting is",
        "recorded in the audit log (`settings.set`, `settings.unset`) and takes effect the next",
        "time the workspace opens (restart a running server).",
        "",
        "| variable | default | kept in the workspace | what it does |",
        "|---|---|---|---|",
    ]
    for variable, default, help_text, stored in settings_reference():
        lines.append(f"| `{variable}` | `{default}` | {'workspace' if stored else ''} | {help_text} |")
    return "\n".join(lines) + "\n"
