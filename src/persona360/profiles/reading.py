"""Reading profiles: one by id or identifier, its traits, identity, timeline; lists.

A profile id that was merged away still finds the profile it went into (via
``profile_redirects``), so links handed out before a merge keep working.
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from persona360.errors import NotFoundError
from persona360.identity.normalise import check_kind, normalise_identifier, normalise_phone, split_identifier
from persona360.profiles.snapshots import ProfileSnapshot, read_snapshots, trait_holders, trait_sources
from persona360.store.database import Database
from persona360.store.money import Money, currency_code, money_sum

PERSON_FORMS = (
    "profile:ID (profile:42), KIND:VALUE (email:jane@example.org, user_id:42, id:shop:1234, "
    "handle:instagram:jane) or a bare email or phone"
)
PHONE_DIGITS = 7  # a bare number this long may be a phone typed without its "+" (ProfileReader.find_number)


def parse_person(text: str) -> int | tuple[str, str]:
    """A person as written by a user: the profile id of ``profile:ID``, else the identifier key.

    Every command that takes a person reads it here, so ``consent grant``, ``erase`` and
    ``profile show`` accept the same forms (:data:`PERSON_FORMS`).

    Raises:
        ValueError: ``text`` is none of those forms; the message names them.

    Example:
        >>> parse_person("profile:42"), parse_person("jane@example.org")
        (42, ('email', 'jane@example.org'))
    """
    text = text.strip()
    if text.startswith("profile:"):
        number = text.removeprefix("profile:").strip()
        if not number.isdigit():
            raise ValueError(f"{text!r}: write profile:ID with a number, e.g. profile:42")
        return int(number)
    try:
        return split_identifier(text)
    except ValueError:
        raise ValueError(f"cannot tell who {text!r} is: write {PERSON_FORMS}") from None


_PROFILE_COLUMNS = (
    "profile_id, first_seen, last_seen, event_count, n_identify, n_track, n_page, n_screen, "
    "n_group, n_alias, orders_count, revenue, avg_order_value, first_order_at, last_order_at, "
    "channels, devices, sources, identifier_count, currency, uncounted_orders"
)
_LIST_SORTS = {
    "last_seen": "last_seen DESC NULLS LAST",
    "revenue": "revenue DESC",
    "orders": "orders_count DESC",
    "events": "event_count DESC",
    "first_seen": "first_seen",
}


def other_observations(trait: dict[str, Any]) -> list[dict[str, Any]]:
    """A trait's values other than the one shown, once per value and source, latest first.

    ``values`` holds one row per identifier of the profile that carried the value, so the
    shown email came back once per identifier it arrived with: the card said "3 other
    values" and then listed none. Here the same value from the same source is one entry
    (its sightings added up), and the shown value from its own source is left out; the
    shown value from another source stays, as a second source confirming it.
    """
    shown = (orjson.dumps(trait["value"]), trait["source"])
    grouped: dict[tuple[bytes, str], dict[str, Any]] = {}
    for row in trait["values"]:
        key = (orjson.dumps(row["value"]), row["source"])
        if key == shown:
            continue
        entry = grouped.get(key)
        if entry is None:
            grouped[key] = dict(row)
        else:
            entry["times_seen"] += row["times_seen"]
            entry["last_observed"] = max(entry["last_observed"], row["last_observed"])
            entry["first_observed"] = min(entry["first_observed"], row["first_observed"])
    return sorted(grouped.values(), key=lambda entry: entry["last_observed"], reverse=True)


def is_inferred(source: object) -> bool:
    """Whether a trait value came from an enrichment provider (sources named ``enrich.NAME``)."""
    return str(source or "").startswith("enrich.")


def person_name(shown: dict[str, Any]) -> str | None:
    """A person's name from their shown trait values: ``firstName lastName``, else ``name``, else ``firstName``.

    One rule for the card, the profiles list and the CLI, which had three (the card showed
    "Phillip" where the CLI said "Phillip Perry"): a shop's own first and last name come
    before a ``name`` read from an email list or a social profile ("Jane D."), which comes
    before a first name alone.

    Example:
        >>> person_name({"firstName": "Jane", "lastName": "Doe", "name": "Jane D."})
        'Jane Doe'
        >>> person_name({"firstName": "Jane", "name": "Jane D."}), person_name({"firstName": "Jane"})
        ('Jane D.', 'Jane')
        >>> person_name({"email": "jane@x.org"}) is None
        True
    """
    first, last, name = shown.get("firstName"), shown.get("lastName"), shown.get("name")
    if first and last:
        return f"{first} {last}"
    return str(name or first) if name or first else None


def display_name(profile: dict[str, Any]) -> str:
    """A profile's title: the person's name, else their email, else "Profile N"."""
    shown = {name: trait["value"] for name, trait in profile["traits"].items()}
    return person_name(shown) or (str(shown["email"]) if shown.get("email") else f"Profile {profile['profile_id']}")


# The earliest event or record carrying each identifier of profile $p, by its own time.
# Events of a profile are anchored at its identifiers; identity changes made by hand
# (merge, unmerge, consent) carry identifiers at the moment someone acted: not seen then.
# The profile's events are picked first (MATERIALIZED): unnested inside the filter,
# DuckDB parsed the identifiers of every event in the workspace (70 ms against 18 on the
# 2,000-customer demo).
_IDENTIFIERS_SQL = """
WITH m AS (SELECT identifier_id, kind, value, first_seen, source_id FROM identifiers WHERE profile_id = $p),
mine AS MATERIALIZED (
    SELECT "timestamp", source_id, identifiers FROM events
    WHERE anchor_id IN (SELECT identifier_id FROM m) AND type NOT IN ('merge', 'unmerge', 'consent')),
carried AS (
    SELECT pair[1] AS kind, pair[2] AS value, min("timestamp") AS first_seen,
        arg_min(source_id, "timestamp") AS source_id
    FROM mine, unnest(from_json(identifiers, '["VARCHAR[]"]')) AS t(pair)
    GROUP BY ALL)
SELECT m.identifier_id, m.kind, m.value, coalesce(c.first_seen, m.first_seen) AS first_seen, s.name AS source,
    m.first_seen AS first_received, r.name AS received_from
FROM m LEFT JOIN carried c USING (kind, value)
JOIN sources s ON s.source_id = coalesce(c.source_id, m.source_id) JOIN sources r ON r.source_id = m.source_id
ORDER BY m.identifier_id
"""

# The edges with an end among the identifier ids $ids, each end named. The caller has the
# ids, so they come as a list, matched by list_contains in the one scan of edges: finding
# them by two semi-joins on the profile's identifiers and a UNION (a hash aggregate over
# every column) cost 8.3 ms of CPU against 5.9 on the demo shop, 376 ms against 114 over
# 3M edges. An OR of two INs joined every edge to every identifier (8 s at a million
# profiles, bench/ui.py).
_EDGES_SQL = """
SELECT e.edge_id, e.a AS a_id, e.b AS b_id, ia.kind || ':' || ia.value AS a, ib.kind || ':' || ib.value AS b,
    e.reason, e.status, e.detail, s.name AS source, e.created_at,
    coalesce(ev.timestamp, e.created_at) AS seen_at, e.message_key
FROM edges e JOIN identifiers ia ON ia.identifier_id = e.a JOIN identifiers ib ON ib.identifier_id = e.b
JOIN sources s ON s.source_id = e.source_id LEFT JOIN events ev ON ev.message_key = e.message_key
WHERE list_contains($ids::BIGINT[], e.a) OR list_contains($ids::BIGINT[], e.b)
ORDER BY e.edge_id
"""

# The shown traits of profile $p whose latest observation is an undated record (ingest/record.py):
# the trait value row it came from names the event (last_seq), whose extra says so.
_UNDATED_TRAITS_SQL = """
SELECT DISTINCT pt.name FROM profile_traits pt
JOIN trait_values tv ON tv.name = pt.name AND tv.value = pt.value AND tv.last_observed = pt.observed_at
JOIN sources s ON s.source_id = tv.source_id AND s.name = pt.source
JOIN events e ON e.seq = tv.last_seq
WHERE pt.profile_id = $p AND tv.anchor_id IN (SELECT identifier_id FROM identifiers WHERE profile_id = $p)
    AND coalesce(json_extract(e.extra, '$.undated')::BOOLEAN, false)
"""


class ProfileReader:
    """Read access to the profile projection of one workspace."""

    def __init__(self, db: Database, stale_after: timedelta, region: str, money: Money) -> None:
        self.db = db
        self.stale_after = stale_after
        self.region = region
        self.money = money

    def resolve(self, profile_id: int) -> int:
        """The live id of ``profile_id`` (following merges); raise if unknown."""
        row = self.db.query("SELECT 1 FROM profiles WHERE profile_id = ?", [profile_id])
        if row:
            return profile_id
        redirect = self.db.scalar("SELECT new_id FROM profile_redirects WHERE old_id = ?", [profile_id])
        if redirect is not None:
            return int(redirect)
        raise NotFoundError(f"no profile with id {profile_id}")

    def resolve_many(self, profile_ids: Sequence[int]) -> set[int]:
        """The live ids of ``profile_ids`` (merges followed, unknown ids left out), in one query.

        The server's after-commit listeners resolve every profile a batch touched; one
        point query per id cost more CPU than the batch's own append.
        """
        return set(self.live_ids(profile_ids).values())

    def live_ids(self, profile_ids: Sequence[int]) -> dict[int, int]:
        """Each known id of ``profile_ids`` with its live id (as :meth:`resolve`), in one query."""
        if not profile_ids:
            return {}
        rows = self.db.query(
            "SELECT i.id, coalesce(p.profile_id, r.new_id) FROM (SELECT unnest($ids::BIGINT[]) AS id) i "
            "LEFT JOIN profiles p ON p.profile_id = i.id LEFT JOIN profile_redirects r ON r.old_id = i.id "
            "WHERE p.profile_id IS NOT NULL OR r.new_id IS NOT NULL",
            {"ids": sorted(set(profile_ids))},
        )
        return {int(given): int(live) for given, live in rows}

    def find(self, kind: str, value: str) -> int:
        """The profile holding identifier ``kind``/``value`` (normalised first)."""
        check_kind(kind)
        normalised = normalise_identifier(kind, value, self.region)
        if normalised is None:
            raise NotFoundError(f"{value!r} is not a valid {kind}")
        row = self.db.query("SELECT profile_id FROM identifiers WHERE kind = ? AND value = ?", [kind, normalised])
        if not row:
            raise NotFoundError(f"no profile holds {kind} {normalised!r}")
        return int(row[0][0])

    def find_person(self, text: str) -> int:
        """The live profile of a person written as :func:`parse_person` reads it.

        Raises:
            ValueError: not a form of :data:`PERSON_FORMS`.
            NotFoundError: no such profile, or no profile holds the identifier.
        """
        person = parse_person(text)
        return self.resolve(person) if isinstance(person, int) else self.find(*person)

    def person_key(self, text: str, kinds: Sequence[str] | None = None) -> tuple[str, str]:
        """An identifier of a person written as :func:`parse_person` reads it, to record by.

        A merge or a survey answer is recorded under an identifier: the one written, or
        for ``profile:ID`` the profile's first, which stands for the whole profile. A
        caller that can record only some ``kinds`` gets the profile's first of those when
        another kind is written. A written identifier need not exist yet (an answer may
        come from someone new).

        Raises:
            ValueError: not a form of :data:`PERSON_FORMS`.
            NotFoundError: no such profile, or it holds no identifier of ``kinds``.
        """
        person = parse_person(text)
        if isinstance(person, tuple):
            if kinds is None or person[0] in kinds:
                return person
            person = self.find(*person)  # a phone names a person a survey answer cannot be recorded under
        profile_id = self.resolve(person)
        rows = self.db.query(
            "SELECT kind, value FROM identifiers WHERE profile_id = ? ORDER BY identifier_id", [profile_id]
        )
        usable = [(str(kind), str(value)) for kind, value in rows if kinds is None or kind in kinds]
        if not usable:
            wanted = f" of kind {', '.join(kinds)}" if kinds else ""
            raise NotFoundError(f"profile {profile_id} holds no identifier{wanted}")
        return usable[0]

    def find_any(self, text: str) -> int:
        """The profile of an identifier typed without its kind (email, phone, id...), or of ``#42``.

        The forms the CLI takes are read too (:data:`PERSON_FORMS`: ``profile:42``,
        ``email:jane@example.org``, ``id:shop:1234``), and ``#42``, as the pages write a
        profile's number.
        """
        stripped = text.strip()
        if stripped.startswith("#") and stripped[1:].isdigit():
            return self.resolve(int(stripped[1:]))
        if ":" in stripped:
            try:
                return self.find_person(stripped)
            except (ValueError, NotFoundError):
                pass  # not such a form, or none holds it: a value with a colon is looked up as it is below
        if "@" in text:
            return self.find("email", text)
        for kind in ("user_id", "phone", "anonymous_id"):
            try:
                return self.find(kind, text)
            except NotFoundError:
                continue
        row = self.db.query(
            "SELECT profile_id FROM identifiers WHERE value = ? ORDER BY identifier_id LIMIT 1",
            [text.strip().lstrip("@").casefold() if text.startswith("@") else text.strip()],
        )
        if row:
            return int(row[0][0])
        if text.strip().isdigit():
            return self.resolve(int(text))
        raise NotFoundError(f"no profile holds an identifier {text!r}")

    def find_number(self, text: str) -> int:
        """The profile a bare number names: its profile id, or a phone typed without its ``+``.

        ``profile show 380501234567`` was read as a profile id only ("no profile with id
        380501234567"). A number is looked up as a profile id (merges followed) and, from
        7 digits, as a phone read in the workspace's region; then as any other identifier
        (a shop's user id). A number that is one profile's id and another's phone is not
        guessed at.

        Raises:
            ValueError: the number is the id of one profile and the phone of another; the
                message says how to ask for each (``profile:N``, ``phone:+380...``).
            NotFoundError: no profile has it as id or identifier; the message says what was looked for.
        """
        number = text.strip()
        as_id = self._live_id(number)
        phone = normalise_phone(number, self.region) if len(number) >= PHONE_DIGITS else None
        as_phone = self._holder("phone", phone) if phone else None
        if as_id is not None and as_phone is not None and as_id != as_phone:
            raise ValueError(
                f"{number} is the id of profile {as_id} and the phone {phone} of profile {as_phone}: "
                f"write profile:{number} or phone:{phone}"
            )
        found = as_id if as_id is not None else as_phone
        if found is not None:
            return found
        try:
            return self.find_any(number)
        except NotFoundError:
            raise NotFoundError(self._nobody_numbered(number, phone)) from None

    def _live_id(self, number: str) -> int | None:
        if len(number) > 18:  # past BIGINT: no profile id
            return None
        try:
            return self.resolve(int(number))
        except NotFoundError:
            return None

    def _holder(self, kind: str, value: str) -> int | None:
        row = self.db.query("SELECT profile_id FROM identifiers WHERE kind = ? AND value = ?", [kind, value])
        return int(row[0][0]) if row else None

    def _nobody_numbered(self, number: str, phone: str | None) -> str:
        """Why no profile answers to ``number``: what it was read as, and how to ask for the other."""
        if phone is None:
            return f"no profile with id {number}, nor one holding it as an identifier"
        highest = self.db.scalar(
            "SELECT greatest((SELECT max(profile_id) FROM profiles), (SELECT max(old_id) FROM profile_redirects))"
        )
        if highest is None or int(number) > int(highest):
            return f"no profile holds the phone {phone} (read from {number}, longer than any profile id)"
        return f"no profile has the id {number} or holds the phone {phone}: write profile:{number} or phone:{phone}"

    def find_by_name(self, text: str, limit: int = 20) -> builtins.list[int]:
        """Profiles whose shown name holds ``text`` (any case), whole-name matches first.

        A shop owner searches for a person by name as often as by email. The name is the
        ``name`` trait or ``firstName lastName``; the words of ``text`` must appear in that order.
        """
        words = text.casefold().split()
        if not words:
            return []
        rows = self.db.query(
            """
            WITH named AS (
                SELECT profile_id,
                       lower(concat_ws(' ', max(value ->> '$') FILTER (WHERE name = 'firstName'),
                                            max(value ->> '$') FILTER (WHERE name = 'lastName'))) AS full_name,
                       lower(max(value ->> '$') FILTER (WHERE name = 'name')) AS name
                FROM profile_traits WHERE name IN ('firstName', 'lastName', 'name') GROUP BY profile_id
            )
            SELECT profile_id FROM named
            WHERE full_name LIKE $pattern ESCAPE '\\' OR name LIKE $pattern ESCAPE '\\'
            ORDER BY (full_name = $whole OR name = $whole) DESC, profile_id
            LIMIT $limit
            """,
            {
                "pattern": "%" + "%".join(_like_escaped(word) for word in words) + "%",
                "whole": " ".join(words),
                "limit": limit,
            },
        )
        return [int(row[0]) for row in rows]

    def get(self, profile_id: int, *, now: datetime) -> dict[str, Any]:
        """The whole profile: computed traits, shown traits, identifiers, event counts."""
        profile_id = self.resolve(profile_id)
        rows = self.db.query_dicts(f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE profile_id = ?", [profile_id])
        profile = self._with_currencies(rows)[0]
        profile["traits"] = self.traits(profile_id, now=now)
        profile["identifiers"] = self.identifiers(profile_id)
        profile["event_counts"] = {
            str(name): int(n)
            for name, n in self.db.query(
                "SELECT event, sum(n)::BIGINT AS n FROM anchor_event_counts WHERE anchor_id IN "
                "(SELECT identifier_id FROM identifiers WHERE profile_id = ?) "
                "GROUP BY event HAVING sum(n) > 0 ORDER BY n DESC, event",
                [profile_id],
            )
        }
        return profile

    def traits(self, profile_id: int, *, now: datetime) -> dict[str, dict[str, Any]]:
        """Shown trait values with source, time, confidence, staleness and alternatives.

        ``undated`` marks a value whose latest observation came from an imported row with no
        time (a customers file without a timestamp column): its ``observed_at`` is the import's
        time, not when it was true, so its age is unknown and it is never called stale.
        """
        shown = self.db.query_dicts(
            "SELECT name, value, source, observed_at, confidence, value_count "
            "FROM profile_traits WHERE profile_id = ? ORDER BY name",
            [profile_id],
        )
        all_values = self._all_trait_values(profile_id)
        undated = {str(row[0]) for row in self.db.query(_UNDATED_TRAITS_SQL, {"p": profile_id})}
        traits = {}
        for row in shown:
            observed = row["observed_at"]
            traits[row["name"]] = {
                "value": orjson.loads(row["value"]),
                "source": row["source"],
                "observed_at": observed,
                "undated": row["name"] in undated,
                "confidence": row["confidence"],
                "inferred": is_inferred(row["source"]),
                "stale": row["name"] not in undated and now - observed > self.stale_after,
                "values": all_values.get(row["name"], []),
            }
            traits[row["name"]]["others"] = other_observations(traits[row["name"]])
        return traits

    def shown_traits_many(self, profile_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
        """Shown value, observed time and confidence of every trait of many profiles, in one query.

        The bulk form of :meth:`traits` without alternatives, for code that handles a whole
        segment at once (a campaign send renders thousands of messages from one read).
        """
        rows = self.db.query(
            "SELECT profile_id, name, value, observed_at, confidence, source FROM profile_traits "
            "WHERE profile_id IN (SELECT unnest($ids::BIGINT[]))",
            {"ids": profile_ids},
        )
        traits: dict[int, dict[str, dict[str, Any]]] = {}
        for profile_id, name, value, observed_at, confidence, source in rows:
            traits.setdefault(int(profile_id), {})[str(name)] = {
                "value": orjson.loads(value),
                "observed_at": observed_at,
                "confidence": confidence,
                "inferred": is_inferred(source),
            }
        return traits

    def latest_properties_many(self, profile_ids: list[int], event: str) -> dict[int, dict[str, Any]]:
        """The properties of each profile's newest event named ``event`` (type or track name), in one query."""
        rows = self.db.query(
            "SELECT i.profile_id, e.properties FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id "
            "WHERE i.profile_id IN (SELECT unnest($ids::BIGINT[])) AND (e.type = $event OR e.event = $event) "
            "QUALIFY row_number() OVER (PARTITION BY i.profile_id ORDER BY e.timestamp DESC, e.message_key DESC) = 1",
            {"ids": profile_ids, "event": event},
        )
        return {int(pid): (orjson.loads(props) if props else {}) for pid, props in rows}

    def last_seq(self) -> int:
        """The seq of the newest stored event (0 when none): a starting watermark for :meth:`events_after`."""
        return int(self.db.scalar("SELECT coalesce(max(seq), 0) FROM events"))

    def events_after(self, event: str, after_seq: int, limit: int = 10_000) -> list[dict[str, Any]]:
        """Events named ``event`` stored after ``after_seq``, oldest first, with the profile holding each now.

        For readers that follow new events by a watermark (activation's event triggers):
        each row is ``seq, message_key, profile_id, timestamp, properties`` (a dict).
        """
        rows = self.db.query(
            "SELECT e.seq, e.message_key, i.profile_id, e.timestamp, e.properties FROM events e "
            "JOIN identifiers i ON i.identifier_id = e.anchor_id "
            "WHERE e.seq > $after AND (e.type = $event OR e.event = $event) ORDER BY e.seq LIMIT $limit",
            {"after": after_seq, "event": event, "limit": limit},
        )
        return [
            {
                "seq": int(seq),
                "message_key": str(key),
                "profile_id": int(pid),
                "timestamp": ts,
                "properties": orjson.loads(props) if props else {},
            }
            for seq, key, pid, ts, props in rows
        ]

    def _all_trait_values(self, profile_id: int) -> dict[str, list[dict[str, Any]]]:
        rows = self.db.query_dicts(
            "SELECT t.name, t.value, s.name AS source, t.first_observed, t.last_observed, "
            "t.times_seen FROM trait_values t JOIN sources s USING (source_id) "
            "WHERE t.anchor_id IN (SELECT identifier_id FROM identifiers WHERE profile_id = ?) "
            "ORDER BY t.name, t.last_observed DESC, t.value",
            [profile_id],
        )
        values: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            name = row.pop("name")
            row["value"] = orjson.loads(row["value"])
            values.setdefault(name, []).append(row)
        return values

    def identifiers(self, profile_id: int) -> list[dict[str, Any]]:
        """The identifiers of a profile, each with the edges that touch it.

        ``first_seen`` and ``source`` are those of the earliest event or record that carried
        the identifier (its own time, as the profile's first seen), so that a customer
        imported today from a year of orders was first seen a year ago, not today.
        ``first_received`` and ``received_from`` are when, and from which source, persona360
        itself first received it (what the identity graph keeps, ``identifiers.first_seen``).
        An identifier no kept event carries (retention deleted them) falls back on those.
        """
        return self.identity(profile_id)["identifiers"]

    def identity(self, profile_id: int) -> dict[str, list[dict[str, Any]]]:
        """``{"identifiers": ..., "edges": ...}`` of :meth:`identifiers` and :meth:`edges`, read once."""
        identifiers = self.db.query_dicts(_IDENTIFIERS_SQL, {"p": profile_id})
        edges = self._edges_of([identifier["identifier_id"] for identifier in identifiers])
        for identifier in identifiers:
            identifier["edges"] = [
                edge for edge in edges if identifier["identifier_id"] in (edge["a_id"], edge["b_id"])
            ]
        return {"identifiers": identifiers, "edges": edges}

    def edges(self, profile_id: int) -> list[dict[str, Any]]:
        """Edges with at least one end in the profile, with reason, status and source.

        An edge the resolver made (reason ``probabilistic``) also carries ``merge``: what
        its merge event keeps, the rule and its evidence or the model's probability.
        ``seen_at`` is the time of the event that made the link (its own time, as an
        identifier's first seen), ``created_at`` when the graph linked them; an edge with
        no event (none kept) has ``seen_at`` equal to ``created_at``.
        """
        rows = self.db.query("SELECT identifier_id FROM identifiers WHERE profile_id = ?", [profile_id])
        return self._edges_of([int(row[0]) for row in rows])

    def _edges_of(self, identifier_ids: list[int]) -> list[dict[str, Any]]:
        """The edges of :meth:`edges` with an end among ``identifier_ids``."""
        edges = self.db.query_dicts(_EDGES_SQL, {"ids": identifier_ids})
        for edge in edges:
            key = edge.pop("message_key")
            if edge["reason"] == "probabilistic" and key is not None:
                edge["merge"] = self._merge_detail(int(key))
        return edges

    def _merge_detail(self, message_key: int) -> dict[str, Any]:
        """The merge event's detail but the two identifiers (``rule`` and evidence, or ``probability``).

        One lookup by the events' primary key per edge: the same lookup for a profile's
        keys at once, as an ``IN`` of a subquery, scanned every event.
        """
        row = self.db.query("SELECT extra FROM events WHERE message_key = ?", [message_key])
        extra = orjson.loads(row[0][0]) if row and row[0][0] else {}
        return {name: value for name, value in extra.items() if name not in ("a", "b")}

    def timeline(
        self,
        profile_id: int,
        *,
        limit: int = 50,
        cursor: str | None = None,
        event_type: str | None = None,
    ) -> dict[str, Any]:
        """Events of every identity of the profile, newest first, a page at a time.

        Returns:
            ``{"events": [...], "next": CURSOR or None}``; pass ``next`` back as ``cursor``.
        """
        profile_id = self.resolve(profile_id)
        before_ts, before_key = _decode_cursor(cursor)
        rows = self.db.query_dicts(
            "SELECT e.message_id, s.name AS source, e.type, e.event, e.timestamp, "
            "e.received_at, e.user_id, e.anonymous_id, e.properties, e.traits, e.context, "
            "e.message_key FROM events e JOIN sources s USING (source_id) "
            "WHERE e.anchor_id IN (SELECT identifier_id FROM identifiers WHERE profile_id = $p) "
            "AND ($type IS NULL OR e.type = $type OR e.event = $type) "
            "AND ($ts IS NULL OR (e.timestamp, e.message_key) < ($ts, $key)) "
            "ORDER BY e.timestamp DESC, e.message_key DESC LIMIT $limit",
            {
                "p": profile_id,
                "type": event_type,
                "ts": before_ts,
                "key": before_key,
                "limit": min(max(limit, 1), 500) + 1,
            },
        )
        page = rows[: max(limit, 1)]
        has_more = len(rows) > len(page)
        for row in page:
            for column in ("properties", "traits", "context"):
                row[column] = orjson.loads(row[column]) if row[column] else {}
        next_cursor = _encode_cursor(page[-1]["timestamp"], page[-1]["message_key"]) if has_more else None
        for row in page:
            del row["message_key"]
        return {"profile_id": profile_id, "events": page, "next": next_cursor}

    def list(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        sort: str = "last_seen",
        min_orders: int | None = None,
        source: str | None = None,
        trait: tuple[str, str] | None = None,
        currency: str | None = None,
    ) -> list[dict[str, Any]]:
        """A filtered page of profiles with their name and email when known.

        Each row's ``revenue`` is in its ``currency`` (profiles/projection.py); ``currency``
        keeps the profiles whose revenue is in it (see :meth:`revenue_order`).
        """
        if sort not in _LIST_SORTS:
            raise ValueError(f"sort {sort!r} is not one of {', '.join(_LIST_SORTS)}")
        if currency is not None:
            currency = currency_code(currency, "currency filter")
        # The page is chosen first, then only its rows look up email and name, in a
        # second query over a literal id list. Written as one SELECT (even with the page
        # in a CTE and correlated subqueries), DuckDB decorrelated the lookups into a
        # join over every row of profile_traits: 3 s on a million profiles, against
        # ~20 ms for the two queries.
        order = f"{self.revenue_order(currency) if sort == 'revenue' else _LIST_SORTS[sort]}, profile_id"
        rows = self.db.query_dicts(
            f"SELECT p.profile_id, p.first_seen, p.last_seen, p.event_count, p.orders_count, "
            f"p.revenue, p.currency, p.sources, p.identifier_count "
            f"FROM profiles p WHERE ($min_orders IS NULL OR p.orders_count >= $min_orders) "
            f"AND ($source IS NULL OR list_contains(p.sources, $source)) "
            f"AND ($tname IS NULL OR EXISTS (SELECT 1 FROM profile_traits t WHERE "
            f"t.profile_id = p.profile_id AND t.name = $tname AND t.value ->> '$' = $tvalue)) "
            f"AND ($currency IS NULL OR p.currency = $currency) "
            f"ORDER BY {order} LIMIT $limit OFFSET $offset",
            {
                "currency": currency,
                "min_orders": min_orders,
                "source": source,
                "tname": trait[0] if trait else None,
                "tvalue": trait[1] if trait else None,
                "limit": min(max(limit, 1), 1000),
                "offset": max(offset, 0),
            },
        )
        return self._with_names(rows)

    def revenue_order(self, currency: str | None = None) -> str:
        """The ORDER BY of ``sort="revenue"``: by revenue, but only among amounts of one currency.

        A profile's revenue is in one currency (profiles/projection.py). When every profile
        with orders has the same one (a shop with one currency, or with rates converting
        everything into the reporting currency), or the list is filtered to one, this is
        plain ``revenue DESC``, as it always was. Otherwise 100 USD must not rank below
        1,000 UAH: the profiles are grouped by currency (the reporting currency, else the
        shop's default ``revenue_currency``, first; then the others by name; profiles
        without orders last), each group by revenue.
        """
        if (
            currency is not None
            or self.db.scalar("SELECT count(DISTINCT currency) FROM profiles WHERE currency IS NOT NULL") <= 1
        ):
            return "revenue DESC"
        lead = self.money.main_currency
        return f"currency IS NULL, CASE WHEN currency = '{lead}' THEN '' ELSE currency END, revenue DESC"

    def list_ids(self, profile_ids: builtins.list[int]) -> builtins.list[dict[str, Any]]:
        """The list view of the given profiles, in the given order."""
        rows = {
            row["profile_id"]: row
            for row in self.db.query_dicts(
                "SELECT profile_id, last_seen, orders_count, revenue, currency FROM profiles "
                "WHERE profile_id IN (SELECT unnest($ids::BIGINT[]))",
                {"ids": profile_ids},
            )
        }
        return self._with_names([rows[p] for p in profile_ids if p in rows])

    def _with_currencies(self, rows: builtins.list[dict[str, Any]]) -> builtins.list[dict[str, Any]]:
        """Add each row's ``revenue_by_currency`` and ``average_order_by_currency`` (store/money.py).

        ``revenue`` and ``avg_order_value`` are in one currency (``currency``), and leave out
        the ``uncounted_orders`` in others; these say what the profile paid in each (or in
        the reporting currency, with the user's rates).
        """
        orders = self.money.orders_sql(f"({profile_orders_sql()})")
        totals: dict[int, dict[str, tuple[int, float]]] = {}
        for profile_id, currency, count, amount in self.db.query(
            f"SELECT profile_id, report_currency, count(*), coalesce({money_sum('report_amount')}, 0) FROM {orders} "
            "WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) GROUP BY ALL",
            {"ids": [row["profile_id"] for row in rows]},
        ):
            totals.setdefault(profile_id, {})[currency] = (int(count), float(amount))
        for row in rows:
            paid = totals.get(row["profile_id"], {})
            row["revenue_by_currency"] = self.money.labelled({c: round(a, 2) for c, (_, a) in paid.items()})
            row["average_order_by_currency"] = self.money.labelled({c: round(a / n, 2) for c, (n, a) in paid.items()})
        return rows

    def _with_names(self, rows: builtins.list[dict[str, Any]]) -> builtins.list[dict[str, Any]]:
        """Add each row's email and name (:func:`person_name`) from its shown traits."""
        shown: dict[int, dict[str, Any]] = {}
        for profile_id, name, value in self.db.query(
            "SELECT profile_id, name, value ->> '$' FROM profile_traits "
            "WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) "
            "AND name IN ('email', 'name', 'firstName', 'lastName')",
            {"ids": [row["profile_id"] for row in rows]},
        ):
            shown.setdefault(profile_id, {})[name] = value
        for row in rows:
            mine = shown.get(row["profile_id"], {})
            row["email"] = mine.get("email")
            row["name"] = person_name(mine)
        return self._with_currencies(rows)

    def snapshots(self, profile_ids: Sequence[int], *, recent_events: int = 0) -> builtins.list[ProfileSnapshot]:
        """Traits, identifiers and recent event context of many profiles in three queries.

        See :func:`persona360.profiles.snapshots.read_snapshots`; for batch readers such
        as enrichment, which would otherwise pay three or four queries per profile.
        """
        return read_snapshots(self.db, profile_ids, recent_events=recent_events)

    def trait_holders(
        self, name: str, *, source_prefix: str | None = None, below: float | None = None, limit: int = 1000
    ) -> builtins.list[dict[str, Any]]:
        """Profiles showing trait ``name`` from sources named ``source_prefix...``, under a confidence.

        See :func:`persona360.profiles.snapshots.trait_holders` (for "infer, then confirm").
        """
        return trait_holders(self.db, name, source_prefix=source_prefix, below=below, limit=limit)

    def trait_sources(self, source_prefix: str) -> builtins.list[dict[str, Any]]:
        """Profiles showing a trait from each source named ``source_prefix...``, in all and per trait.

        See :func:`persona360.profiles.snapshots.trait_sources` (the web's enrichment page).
        """
        return trait_sources(self.db, source_prefix)

    def count(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM profiles"))

    def ids(self) -> builtins.list[int]:
        """Every live profile id, ascending, in one query.

        For a run over all profiles: paging through :meth:`list` sorts the whole table
        once per page, which grows with the square of the profiles (a second and a
        half a page at a million).
        """
        return [int(row[0]) for row in self.db.query("SELECT profile_id FROM profiles ORDER BY profile_id")]

    def export_all(self, batch: int = 10_000) -> Any:
        """Yield every profile with its identifiers and shown traits, one dict each."""
        after = -1
        while True:
            rows = self.db.query_dicts(
                "WITH page AS (SELECT * FROM profiles WHERE profile_id > $after "
                "ORDER BY profile_id LIMIT $n) "
                "SELECT p.*, (SELECT list(struct_pack(kind := i.kind, value := i.value) "
                "ORDER BY i.identifier_id) FROM identifiers i WHERE i.profile_id = p.profile_id) "
                "AS identifiers, (SELECT map(list(t.name ORDER BY t.name), "
                "list(t.value ORDER BY t.name)) FROM profile_traits t "
                "WHERE t.profile_id = p.profile_id) AS traits FROM page p ORDER BY p.profile_id",
                {"n": batch, "after": after},
            )
            if not rows:
                return
            for row in rows:
                traits = row["traits"] or {}
                row["traits"] = {name: orjson.loads(value) for name, value in traits.items()}
                yield row
            after = rows[-1]["profile_id"]


def _encode_cursor(timestamp: datetime, key: int) -> str:
    return base64.urlsafe_b64encode(f"{timestamp.isoformat()}|{key}".encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[datetime | None, int | None]:
    if not cursor:
        return None, None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        stamp, key = text.split("|")
        return datetime.fromisoformat(stamp), int(key)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"cursor {cursor!r} is not one this server handed out") from None


def profile_orders_sql() -> str:
    """Every order with the profile that holds it now: ``profile_id, order_id, revenue, currency, ordered_at``.

    The profiles room's public view of its ``orders`` for other rooms' queries (attribution
    joins it to its own tables), so they never read ``orders`` or ``identifiers`` themselves.
    Orders follow merges: they are kept per anchor identifier and joined to its profile.
    """
    return (
        "SELECT i.profile_id, o.order_id, o.revenue, o.currency, o.ordered_at "
        "FROM orders o JOIN identifiers i ON i.identifier_id = o.anchor_id"
    )


def _like_escaped(word: str) -> str:
    """``word`` for a LIKE pattern: its own percent sign, underscore and backslash match only themselves."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
