from __future__ import annotations

import pytest

from persona360.enrichment import ProfileView
from persona360.enrichment.email_address import EmailProvider
from persona360.enrichment.gender import GenderProvider
from persona360.enrichment.network import IpProvider, UserAgentProvider, ip_country
from persona360.enrichment.phone_number import PhoneProvider
from persona360.enrichment.registry import BUILTIN_PROVIDERS, make_provider
from persona360.errors import NotFoundError
from persona360.settings import load_settings

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _answers(provider: object, view: ProfileView) -> dict[str, object]:
    return {answer.trait: answer.value for answer in provider.enrich(view)}  # type: ignore[attr-defined]


def test_phone_mobile_has_no_region() -> None:
    view = ProfileView(1, identifiers=(("phone", "+380501234567"),))
    assert _answers(PhoneProvider(), view) == {
        "phone_country": "UA",
        "phone_line_type": "mobile",
        "phone_carrier": "Vodafone",
    }


def test_phone_landline_region_and_default_region() -> None:
    view = ProfileView(1, traits={"phone": "044 234 5678"})
    answers = _answers(PhoneProvider("UA"), view)
    assert answers["phone_region"] == "Kyiv city"
    assert answers["phone_line_type"] == "fixed_line"


@pytest.mark.parametrize("phone", ["", "12", "+999123", "not a phone"])
def test_phone_bad_numbers_answer_nothing(phone: str) -> None:
    assert PhoneProvider().enrich(ProfileView(1, traits={"phone": phone})) == []


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (
            "olena@ukr.net",
            {"email_valid": True, "email_free": True, "email_disposable": False, "email_role": False},
        ),
        (
            "sales@acme.com.ua",
            {
                "email_valid": True,
                "email_free": False,
                "email_disposable": False,
                "email_role": True,
                "email_company_domain": "acme.com.ua",
            },
        ),
        ("x@mailinator.com", {"email_valid": True, "email_free": False, "email_disposable": True, "email_role": False}),
        ("not-an-email", {"email_valid": False}),
        ("a@@b.com", {"email_valid": False}),
    ],
)
def test_email(email: str, expected: dict[str, object]) -> None:
    assert _answers(EmailProvider(), ProfileView(1, traits={"email": email})) == expected


def test_email_prefers_the_identifier_and_needs_one() -> None:
    view = ProfileView(1, traits={"email": "x@gmail.com"}, identifiers=(("email", "info@acme.pl"),))
    assert _answers(EmailProvider(), view)["email_role"] is True
    assert EmailProvider().enrich(ProfileView(1)) == []


@pytest.mark.parametrize(
    ("traits", "gender"),
    [
        ({"firstName": "Olena"}, "female"),
        ({"first_name": "Тарас"}, "male"),
        ({"name": "Mykola Petrenko"}, "male"),
        ({"name": "Sasha Ivanenko"}, None),
        ({}, None),
    ],
)
def test_gender_provider(traits: dict[str, str], gender: str | None) -> None:
    assert _answers(GenderProvider(), ProfileView(1, traits=traits)).get("gender") == gender


def test_ip_skips_private_and_bad_addresses() -> None:
    view = ProfileView(1, ips=("192.168.1.1", "not-an-ip", "81.2.69.142"))
    assert _answers(IpProvider(), view) == {"ip_country": "GB"}
    assert _answers(IpProvider(_city_db()), ProfileView(1, ips=("10.1.1.1", "203.0.113.9"))) == {}
    assert ip_country("10.0.0.1") is None
    assert IpProvider().enrich(ProfileView(1, ips=("127.0.0.1",))) == []


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (CHROME_WINDOWS, {"ua_os": "Windows", "ua_browser": "Chrome", "ua_device_type": "desktop"}),
        (GOOGLEBOT, {"ua_browser": "Googlebot", "ua_device_type": "bot"}),
    ],
)
def test_user_agent(agent: str, expected: dict[str, str]) -> None:
    assert _answers(UserAgentProvider(), ProfileView(1, user_agents=(agent,))) == expected


def test_user_agent_unrecognised() -> None:
    assert UserAgentProvider().enrich(ProfileView(1, user_agents=("???",))) == []


def test_registry() -> None:
    settings = load_settings(default_region="UA")
    assert set(BUILTIN_PROVIDERS) == {"phone", "email", "name", "ip", "user_agent"}
    for name in BUILTIN_PROVIDERS:
        provider = make_provider(name, settings)
        assert provider.source == f"enrich.{name}"
        assert provider.traits
    with pytest.raises(NotFoundError, match="no enrichment provider 'x'"):
        make_provider("x", settings)


def _city_db():  # type: ignore[no-untyped-def]
    from persona360.enrichment.geo_city import open_city_db

    return open_city_db(None)


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        # Kyiv and Lviv in the shipped GeoLite2 City snapshot (2018)
        ("178.151.1.1", {"ip_country": "UA", "ip_city": "Kiev", "ip_region": "Kyiv City"}),
        ("194.44.0.1", {"ip_country": "UA", "ip_city": "Lviv", "ip_timezone": "Europe/Kiev"}),
    ],
)
def test_ip_city_region_and_time_zone(ip: str, expected: dict[str, str]) -> None:
    answers = {a.trait: a for a in IpProvider(_city_db()).enrich(ProfileView(1, ips=(ip,)))}
    assert {trait: answers[trait].value for trait in expected} == expected
    assert answers["ip_city"].confidence < answers["ip_country"].confidence


def test_ip_city_dropped_when_the_databases_disagree_on_the_country() -> None:
    # 5.8.0.0/16 was Saint Petersburg's in 2018 and is Estonian in geoip2fast's newer data:
    # a stale city must not be shown beside the current country.
    view = ProfileView(1, ips=("5.8.0.1",))
    assert _city_db().lookup("5.8.0.1").country == "RU"
    assert _answers(IpProvider(_city_db()), view) == {"ip_country": "EE"}
