"""Campaign results: messages, opens, clicks, and orders attributed against the control arm.

An order counts as a conversion of a profile when it is placed within
``activation_conversion_days`` after the reference time: the last message sent to the
profile in the campaign, or, for the control arm (and treated people whose message
never went out), the time they were assigned. Orders come from the profiles room's
``profile_orders_sql()`` (orders with the profile that holds them now), so a merge after
the send still credits the campaign and this room never reads ``orders`` itself.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from persona360.profiles.reading import profile_orders_sql
from persona360.store.database import Database
from persona360.store.money import Money, money_sum

Z95 = 1.959963984540054


def two_proportions(x1: int, n1: int, x0: int, n0: int) -> dict[str, float | None]:
    """Treatment rate vs control rate, the difference with a 95% CI, and relative uplift.

    The CI is the two-proportion normal approximation (unpooled standard error).

    Example:
        >>> r = two_proportions(30, 100, 20, 100)
        >>> round(r["difference"], 2), round(r["ci_low"], 3), round(r["ci_high"], 3)
        (0.1, -0.022, 0.222)
    """
    p1 = x1 / n1 if n1 else None
    p0 = x0 / n0 if n0 else None
    if p1 is None or p0 is None:
        return {"rate": p1, "control_rate": p0, "difference": None, "ci_low": None, "ci_high": None, "uplift": None}
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    diff = p1 - p0
    return {
        "rate": p1,
        "control_rate": p0,
        "difference": diff,
        "ci_low": diff - Z95 * se,
        "ci_high": diff + Z95 * se,
        "uplift": diff / p0 if p0 else None,
    }


def message_counts(db: Database, campaign_id: int) -> dict[str, Any]:
    """The campaign's messages by what happened to them.

    ``sends`` counts every message written to the queue, whatever became of it; only
    ``delivered`` were handed to the channel (the SMTP server or API accepted them).
    ``waiting`` are not sent yet, ``retrying`` of them after a failed attempt, and
    ``last_error`` says why the latest failed or dead one did not go.
    """
    rows = db.query(
        "SELECT status, count(*) FROM activation_messages WHERE campaign_id = ? GROUP BY status", [campaign_id]
    )
    by_status = {str(status): int(n) for status, n in rows}
    events: dict[str, int] = dict(
        db.query(
            "SELECT e.kind, count(DISTINCT e.message_id) FROM activation_events e "
            "JOIN activation_messages m USING (message_id) WHERE m.campaign_id = ? GROUP BY e.kind",
            [campaign_id],
        )
    )
    last_error = db.query(
        "SELECT error FROM activation_messages WHERE campaign_id = ? AND status IN ('failed', 'dead') "
        "AND error IS NOT NULL ORDER BY updated_at DESC, message_id DESC LIMIT 1",
        [campaign_id],
    )
    # why messages were cancelled, most frequent first: consent withdrawn, or held back by hand
    cancel_reasons = db.query(
        "SELECT coalesce(error, 'cancelled'), count(*) FROM activation_messages WHERE campaign_id = ? "
        "AND status = 'cancelled' GROUP BY ALL ORDER BY 2 DESC, 1",
        [campaign_id],
    )
    return {
        "sends": sum(by_status.values()),
        "delivered": by_status.get("sent", 0),
        "waiting": by_status.get("queued", 0) + by_status.get("failed", 0),
        "retrying": by_status.get("failed", 0),
        "dead": by_status.get("dead", 0),
        "cancelled": by_status.get("cancelled", 0),
        "opens": int(events.get("open", 0)),
        "clicks": int(events.get("click", 0)),
        "last_error": str(last_error[0][0]) if last_error else None,
        "cancel_reasons": {str(reason): int(n) for reason, n in cancel_reasons},
    }


SKIPPED = ("no_consent", "no_address", "capped", "control", "render_failed")


def run_counts(db: Database, campaign_id: int) -> dict[str, Any]:
    """What the campaign's queue runs did, summed: sends, segment hand-offs and the event trigger worker.

    ``considered`` are the candidates (segment members, or an always-on campaign's
    events); ``skipped`` holds those no message was written for, by reason (``control``
    are held out on purpose). What happened to the messages is in the message counts.
    """
    row = db.query_dicts(
        "SELECT count(*) AS runs, max(ran_at) AS last_run_at, "
        "coalesce(sum(members), 0) AS considered, coalesce(sum(new), 0) AS new, "
        "coalesce(sum(queued), 0) AS queued, coalesce(sum(deferred), 0) AS deferred, "
        + ", ".join(f"coalesce(sum({name}), 0) AS {name}" for name in SKIPPED)
        + " FROM campaign_runs WHERE campaign_id = ?",
        [campaign_id],
    )[0]
    by_kind: dict[str, int] = dict(
        db.query("SELECT kind, count(*) FROM campaign_runs WHERE campaign_id = ? GROUP BY kind", [campaign_id])
    )
    return {
        "runs": int(row["runs"]),
        "by_kind": {str(k): int(n) for k, n in by_kind.items()},
        "last_run_at": row["last_run_at"],
        "considered": int(row["considered"]),
        "new": int(row["new"]),
        "queued": int(row["queued"]) + int(row["deferred"]),
        "deferred": int(row["deferred"]),
        "skipped": {name: int(row[name]) for name in SKIPPED},
    }


def conversions(db: Database, campaign_id: int, window: timedelta, money: Money) -> dict[str, dict[str, Any]]:
    """Per arm: profiles, profiles that ordered, orders, and revenue per currency in the window.

    ``revenue`` is ``{currency: amount}`` as ``money`` totals it (store/money.py): orders in
    UAH and USD are never one number, unless the workspace converts them.
    """
    ref = (
        "WITH last_sent AS (SELECT profile_id, max(sent_at) AS sent_at FROM activation_messages "
        "  WHERE campaign_id = $c AND status = 'sent' GROUP BY profile_id), "
        "ref AS (SELECT a.profile_id, a.arm, coalesce(s.sent_at, a.assigned_at) AS since "
        "  FROM campaign_assignments a LEFT JOIN last_sent s USING (profile_id) WHERE a.campaign_id = $c), "
        f"bought AS (SELECT r.arm, r.profile_id, o.report_currency, o.report_amount "
        f"  FROM ref r JOIN {money.orders_sql(f'({profile_orders_sql()})')} o ON o.profile_id = r.profile_id "
        "  AND o.ordered_at >= r.since AND o.ordered_at < r.since + $w) "
    )
    params = {"c": campaign_id, "w": window}
    rows = db.query_dicts(
        ref + "SELECT r.arm, count(DISTINCT r.profile_id) AS profiles, count(DISTINCT b.profile_id) AS converted, "
        "  count(b.profile_id) AS orders FROM ref r LEFT JOIN bought b USING (profile_id) GROUP BY r.arm",
        params,
    )
    revenue = db.query(
        ref + f"SELECT arm, report_currency, {money_sum('coalesce(report_amount, 0)')} FROM bought GROUP BY ALL",
        params,
    )
    arms: dict[str, dict[str, Any]] = {
        arm: {"profiles": 0, "converted": 0, "orders": 0, "revenue": {}} for arm in ("treatment", "control")
    }
    for row in rows:
        arms[row.pop("arm")].update({k: int(v) for k, v in row.items()})
    for arm, currency, amount in revenue:
        arms[arm]["revenue"][currency] = float(amount)
    for arm in arms.values():
        arm["revenue"] = money.labelled(arm["revenue"])
    return arms


def campaign_report(db: Database, campaign: dict[str, Any], window: timedelta, money: Money) -> dict[str, Any]:
    """Everything ``campaigns report`` shows."""
    arms = conversions(db, campaign["campaign_id"], window, money)
    treated, control = arms["treatment"], arms["control"]
    return {
        "campaign": campaign["name"],
        "segment": campaign["segment"],
        "trigger_event": campaign.get("trigger_event"),
        **message_counts(db, campaign["campaign_id"]),
        "runs": run_counts(db, campaign["campaign_id"]),
        "conversions": treated["converted"],
        "revenue": treated["revenue"],
        "arms": arms,
        "window_days": window.total_seconds() / 86400,
        **two_proportions(
            int(treated["converted"]), int(treated["profiles"]), int(control["converted"]), int(control["profiles"])
        ),
    }


def uplift_withheld(report: dict[str, Any]) -> str | None:
    """Why a campaign report has no uplift to show (no message was sent), else None.

    The arms' difference is computed whatever became of the messages, so a campaign whose
    messages were all cancelled (the demo without an SMTP sink) read "+0.0 pt": an effect
    of messages no one received. The CLI and the web show this reason instead; the
    report's figures (``--json``) stay as computed.

    Example:
        >>> uplift_withheld({"sends": 153, "delivered": 0, "cancelled": 153})
        'No message was sent (all 153 were cancelled before sending), so there is no uplift to show.'
        >>> uplift_withheld({"sends": 3, "delivered": 1, "cancelled": 2}) is None
        True
    """
    if report["delivered"]:
        return None
    sends, cancelled = int(report["sends"]), int(report["cancelled"])
    if sends and cancelled == sends:
        why = f"all {sends:,} were cancelled before sending"
    elif sends:
        why = f"{sends - cancelled:,} still waiting or given up"
    else:
        why = "none queued"
    return f"No message was sent ({why}), so there is no uplift to show."
