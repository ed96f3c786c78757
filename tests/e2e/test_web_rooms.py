"""The pages over the newer rooms in headless Chromium: personas, campaigns, review queue, privacy.

The shop is furnished by ``furnish_shop.py`` (personas built, review pairs queued, a
campaign sent to a real SMTP server with opens, clicks and orders). Each test saves a
full-page screenshot to ``artefacts/screenshots/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import Shop, every_page, log_in, screenshot

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("browser")]


def test_personas_side_by_side_and_who_is_in_one(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    page.get_by_role("link", name="Personas").click()
    cards = page.locator(".persona-card")
    expect(cards).to_have_count(shop.furnished.personas)
    first = cards.first
    expect(first.get_by_role("img", name=re.compile("^Generated avatar of "))).to_be_visible()
    expect(first.locator("figcaption", has_text="Distinguishing features")).to_be_visible()
    expect(first.locator("figcaption", has_text="How they browse")).to_be_visible()
    for fact in ("Size", "Revenue share", "Archetype", "Best send hour", "Stability"):
        expect(first.locator("dt", has_text=fact)).to_be_visible()
    revenue_share = first.locator("div", has=page.locator("dt", has_text="Revenue share")).locator("dd")
    expect(revenue_share).to_have_text(re.compile(r"^[\d.]+ % of PLN · [\d.]+ % of UAH · [\d.]+ % of USD$"))
    expect(first.get_by_role("heading", name="Triggers that fit")).to_be_visible()
    expect(first.get_by_role("heading", name="Pains")).to_be_visible()
    # the demo's free-text survey answers (why a cart was left) are some persona's pains
    assert page.locator(".persona-card h3:text-is('Pains') + ul li").count() > 0
    expect(page.get_by_role("heading", name="Drift since the last version")).to_be_visible()
    drift = page.locator("#drift ul li")  # the shop's personas were built twice (v1, v2)
    expect(drift.first).to_have_text(
        re.compile(r"^v\d+ → v\d+: \d+ customers joined, \d+ left; \d+% of the \d+ in both changed persona$")
    )
    shares = drift.filter(has_text=re.compile(r": \d+% → \d+% of customers$"))
    assert shares.count() >= 1, drift.all_inner_texts()
    boxes = [cards.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"], "cards are not side by side"
    screenshot(page, "10-personas")
    name = first.get_by_role("heading").first.inner_text()
    first.get_by_role("link", name=re.compile(r"^Who is in it")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    members = page.locator("section[aria-labelledby=members-title] tbody a")
    assert members.count() > 0
    screenshot(page, "11-persona-members")
    members.first.click()
    expect(page.locator("#persona-title + p a")).to_have_text(name)
    page.goto("/audit?action=persona.members")  # the members' emails were shown: a read of personal data
    expect(page.locator("#audit-table tbody tr").first).to_contain_text("persona.members")


def test_campaign_funnel_and_uplift_against_control(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    page.get_by_role("link", name="Campaigns").click()
    row = page.get_by_role("row", name=re.compile(shop.furnished.campaign))
    expect(row).to_be_visible()
    row.get_by_role("link", name=shop.furnished.campaign).click()
    funnel = page.locator("#funnel svg")
    expect(funnel).to_be_visible()
    steps = funnel.locator("text.chart-label").all_text_contents()
    assert steps == ["queued", "sent", "opened", "clicked", "converted"]
    description = funnel.locator("desc").text_content() or ""
    assert re.search(r"opened: [1-9]", description) and re.search(r"converted: [1-9]", description), description
    uplift = page.locator("#uplift")
    expect(uplift.locator("svg desc")).to_contain_text("95% interval")
    expect(uplift.locator("dt", has_text="Difference (95% interval)")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^control"))).to_be_visible()
    # the furnished orders name no currency: the workspace's revenue_currency, said beside the figure
    expect(page.get_by_role("row", name=re.compile("^treatment"))).to_contain_text(re.compile(r"[\d,]+\.\d\d UAH"))
    screenshot(page, "12-campaign")


def test_review_queue_explains_pairs_and_decides_with_csrf(page: Any, shop: Shop) -> None:
    assert shop.furnished.pending_pairs >= 1, "the demo shop queued no pair to review"
    log_in(page, shop.admin_token)
    page.get_by_role("link", name="Review").click()
    pairs = page.locator("section.pair")
    expect(pairs).to_have_count(shop.furnished.pending_pairs)
    expect(pairs.first.locator("figcaption")).to_contain_text("match weights")
    screenshot(page, "13-review-queue")
    refused = page.request.post(page.url.replace("/review", "/review/1/reject"), form={"csrf": "forged"})
    assert refused.status == 403
    pairs.first.get_by_role("button", name=re.compile("^Accept pair")).click()
    expect(page.get_by_role("status")).to_contain_text("Merged")
    expect(page.locator("section.pair")).to_have_count(shop.furnished.pending_pairs - 1)
    expect(page.locator("#decided-title + table tbody tr", has_text="accepted")).to_have_count(1)
    if shop.furnished.pending_pairs > 1:
        page.locator("section.pair").first.get_by_role("button", name=re.compile("^Reject pair")).click()
        expect(page.get_by_role("status")).to_contain_text("Rejected")


def test_consent_by_purpose_and_channel_change_and_audit(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    page.goto(f"/profiles/{shop.merged_profile}")
    consent = page.locator("#consent")
    sms = consent.get_by_role("row", name=re.compile("^marketing")).locator("td").nth(2)
    expect(sms).to_have_text("no")
    expect(consent.locator("li", has_text="withdrawn marketing on sms")).to_be_visible()
    consent.get_by_label("Change").select_option("grant")
    consent.get_by_label("Purpose").select_option("enrichment")
    consent.get_by_label("Channel").select_option("")
    consent.get_by_role("button", name="Record consent change").click()
    expect(page.get_by_role("status")).to_have_text("The consent change was recorded.")
    expect(page.locator("#consent").get_by_role("row", name=re.compile("^enrichment"))).not_to_contain_text("no")
    screenshot(page, "14-profile-consent")
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary").click()  # the audit log is in the header's "More" menu
    nav.get_by_role("link", name="Audit log").click()
    # "consent.grant", not "consent": the privacy page's lists of people (consent.holders) are consent reads too
    page.get_by_label("Action starts with").fill("consent.grant")
    page.get_by_label("Actor").fill("web:e2e-admin")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("consent.grant")
    expect(rows.first).to_contain_text(f"profile:{shop.merged_profile}")
    screenshot(page, "15-audit-log")


def test_profile_card_shows_persona_survey_answers_and_messages(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    page.goto(f"/profiles/{shop.merged_profile}")
    answers = page.locator("#answers")
    # each question by its text (its id in a title)
    expect(answers.get_by_role("row", name=re.compile("Would you recommend us"))).to_contain_text("9")
    expect(answers).to_contain_text("How was your delivery?")
    page.goto(f"/profiles/{shop.furnished.recipient}")
    messages = page.locator("#messages")
    expect(messages.get_by_role("link", name=shop.furnished.campaign).first).to_be_visible()
    expect(page.locator("#persona-title + p a")).to_be_visible()
    screenshot(page, "16-profile-messages")


def test_overview_shows_revenue_by_persona(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    charts = page.locator("#revenue-by-persona figure")
    expect(charts.first.locator("figcaption")).to_contain_text("Revenue by persona", timeout=60_000)
    # a share of each currency's revenue (the demo shop sells in three), never of their sum
    captions = charts.locator("figcaption").all_inner_texts()
    assert [re.sub(r", model v\d+", "", c) for c in captions] == [
        f"Revenue by persona (share of {currency} revenue)" for currency in ("PLN", "UAH", "USD")
    ]
    for index in range(3):
        expect(charts.nth(index).locator("rect.chart-bar")).to_have_count(shop.furnished.personas)
    screenshot(page, "17-overview-personas")


def test_a_read_only_token_sees_no_campaigns_audit_or_decisions(page: Any, shop: Shop) -> None:
    log_in(page, shop.read_token)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Campaigns")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    assert page.goto("/campaigns").status == 403
    assert page.goto("/audit").status == 403
    page.goto("/review")
    expect(page.get_by_role("button", name=re.compile("^Accept pair"))).to_have_count(0)
    page.goto(f"/profiles/{shop.merged_profile}")
    expect(page.get_by_role("button", name="Record consent change")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("campaigns")


def test_every_page_renders_and_is_screenshotted(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    for number, url in enumerate(every_page(shop), start=20):
        answer = page.goto(url)
        expected = 404 if url.startswith("/search") else 200  # the search page says nobody was found
        assert answer is not None and answer.status == expected, (url, answer and answer.status)
        if url == "/":
            expect(page.locator("#kpi-profiles")).to_be_visible(timeout=60_000)
        expect(page.locator("main h1")).to_be_visible()
        slug = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "overview"
        screenshot(page, f"{number}-page-{slug}")


def someone_to_erase(page: Any, shop: Shop) -> int:
    """A profile no other test looks at: the last of the list by first seen."""
    page.goto("/profiles?sort=first_seen")
    links = page.locator("main table tbody a[href^='/profiles/']")
    ids = [int(h.rsplit("/", 1)[1]) for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    spare = [p for p in ids if p not in (shop.merged_profile, shop.furnished.recipient)]
    assert spare, "no profile to erase"
    return spare[-1]


def test_privacy_export_download_then_erase_with_confirmation(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    victim = someone_to_erase(page, shop)
    page.goto(f"/profiles/{victim}")
    privacy = page.locator("#privacy")
    with page.expect_download() as download:
        privacy.get_by_role("link", name="Download everything held (JSON)").click()
    assert download.value.suggested_filename == f"profile-{victim}-export.json"
    exported = json.loads(Path(download.value.path()).read_text())
    assert str(victim) in json.dumps(exported)
    privacy.get_by_role("link", name="Erase this person…").click()
    expect(page).to_have_url(f"{shop.url}/profiles/{victim}/erase")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Erase profile {victim}?")
    screenshot(page, "18-erase-confirm")
    page.get_by_label(re.compile("^Type the profile number")).fill(str(victim + 1))
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_role("alert")).to_contain_text(f"type the profile number {victim} to confirm")
    page.get_by_label(re.compile("^Type the profile number")).fill(str(victim))
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Profile {victim} was erased", timeout=60_000)
    screenshot(page, "19-erased")
    assert page.goto(f"/profiles/{victim}").status == 404
    page.goto(f"/audit?action=erasure&target=profile:{victim}")
    expect(page.locator("#audit-table tbody tr")).to_have_count(1)


def test_a_token_without_privacy_scope_sees_no_erase_or_export(page: Any, shop: Shop) -> None:
    log_in(page, shop.read_token)
    page.goto(f"/profiles/{shop.merged_profile}")
    privacy = page.locator("#privacy")
    expect(privacy).to_contain_text("Export and erasure need a token with the privacy scope.")
    expect(privacy.get_by_role("link")).to_have_count(0)
