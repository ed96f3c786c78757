"""Email checks, offline: valid syntax, free-mail or company domain, disposable, role.

``email-validator`` checks the syntax only (``check_deliverability=False``: no DNS).
Disposable domains come from ``disposable-email-domains`` (a maintained blocklist);
free-mail domains from the short list shipped in ``data/free_email_domains.txt``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from disposable_email_domains import blocklist
from email_validator import EmailNotValidError, validate_email

from persona360.enrichment.provider import Inferred, ProfileView, Provider

# Shared inboxes: a message to them reaches a team, not the person.
ROLE_LOCAL_PARTS = frozenset(
    [
        "admin",
        "administrator",
        "billing",
        "contact",
        "hello",
        "help",
        "hr",
        "info",
        "jobs",
        "marketing",
        "no-reply",
        "noreply",
        "office",
        "orders",
        "postmaster",
        "press",
        "sales",
        "security",
        "support",
        "team",
        "webmaster",
    ]
)


class EmailProvider(Provider):
    """Reads the profile's email identifier or its ``email`` trait."""

    name = "email"
    traits = ("email_valid", "email_free", "email_disposable", "email_role", "email_company_domain")

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        address = profile.identifier("email") or profile.text("email")
        if not address:
            return []
        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            return [Inferred("email_valid", False, 1.0)]
        return [Inferred("email_valid", True, 1.0), *classify_domain(checked.local_part, checked.domain)]


def classify_domain(local_part: str, domain: str) -> list[Inferred]:
    """Free-mail, disposable, role address and (otherwise) the company's domain."""
    domain = domain.casefold()
    free = domain in free_email_domains()
    disposable = domain in blocklist
    answers = [
        Inferred("email_free", free, 0.95),
        Inferred("email_disposable", disposable, 0.9),
        Inferred("email_role", local_part.casefold() in ROLE_LOCAL_PARTS, 0.9),
    ]
    if not free and not disposable:
        answers.append(Inferred("email_company_domain", domain, 0.8))
    return answers


@cache
def free_email_domains() -> frozenset[str]:
    """The free-mail domains shipped with the package."""
    text = resources.files("persona360.enrichment").joinpath("data/free_email_domains.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
