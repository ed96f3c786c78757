"""The Splink model: blocking rules, comparisons, training and scoring.

Splink runs on its own in-memory DuckDB connection, so training never holds the
workspace's single writer. Every comparison starts from prior m and u probabilities;
training replaces u by random sampling and m by expectation maximisation, but only
when there are enough records for the estimates to be stable (EM on a handful of
records swings wildly, so small inputs keep the priors).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker, SettingsCreator, block_on
from splink import blocking_rule_library as brl
from splink import comparison_level_library as cll
from splink import comparison_library as cl

from persona360.resolution.backend import register, session
from persona360.resolution.guard import ScoredPair
from persona360.resolution.records import COLUMNS, ProfileRecord
from persona360.resolution.table import Records, mapped

log = logging.getLogger(__name__)

# (m, u) priors per level, in level order after the null level; the last is "else".
# A typo-level name match is common among true matches and rare otherwise.
_PRIORS: dict[str, tuple[list[float], list[float]]] = {
    # full name exact, first/last swapped, nickname of the same name, typos in both,
    # one first name unknown and the same last name, same last name only, else
    "name": (
        [0.6, 0.04, 0.1, 0.14, 0.02, 0.05, 0.05],
        [0.00003, 0.000002, 0.00001, 0.00002, 0.0002, 0.003, 0.996748],
    ),
    # same mailbox, local part exact (and more than the name), a typo (same digits), else
    "email_local": ([0.3, 0.3, 0.1, 0.3], [0.0002, 0.0005, 0.0005, 0.9988]),
    "phone": ([0.8, 0.2], [0.0005, 0.9995]),
    # exact, a digit changed, the same digits in another order, else
    "birthday": ([0.85, 0.07, 0.03, 0.05], [0.0005, 0.002, 0.002, 0.9955]),
    # exact, alike, the same street with another or no house number, else
    "street": ([0.6, 0.2, 0.1, 0.1], [0.0005, 0.002, 0.003, 0.9945]),
    "city": ([0.8, 0.1, 0.1], [0.05, 0.02, 0.93]),
    # exact, a digit changed, the same digits in another order, else
    "postcode": ([0.75, 0.1, 0.05, 0.1], [0.005, 0.02, 0.002, 0.973]),
}
# Profiles of one person that share a phone are joined by the graph before matching,
# so among the pairs left the phone says little for a match; EM would learn that, and
# then a *different* phone would say little against one. Its m stays at the prior
# (``fix_m_probability`` on its levels).

# Below this many records the priors are kept (see the module docstring).
MIN_RECORDS_TO_TRAIN = 500
# Random pairs sampled per record to estimate u (at most a million).
U_PAIRS_PER_RECORD = 50.0
# An email local part held by more profiles than this is a placeholder ("test",
# "info", a shop's own address), not evidence about a person.
MAX_PROFILES_PER_EMAIL_LOCAL = 3


def _tf(column: str, on: bool) -> dict[str, Any]:
    """A term-frequency adjustment on ``column`` for a level that is not its exact match.

    Term frequencies from a few records say nothing (two "Olena Kovalenko" of six
    records would make the name look common): below MIN_RECORDS_TO_TRAIN, none.
    """
    return {"tf_adjustment_column": column} if on else {}


def _tf_exact(column: str, on: bool) -> dict[str, Any]:
    """A term-frequency adjustment on the exact match level of ``column`` itself.

    The adjustment starts from the u of ``column``'s exact match level; Splink finds
    that level by parsing the SQL of every level before it each time it writes a
    prediction query (a sixth of FEBRL3's SQLGlot time). On that level itself the
    answer is its own u, which ``disable_tf_exact_match_detection`` says directly: the
    same query, without the search.
    """
    return {**_tf(column, on), "disable_tf_exact_match_detection": True} if on else {}


# A first name missing on one side: the last names alone can still agree (an order
# export that keeps only the surname, a form that lost the first name).
_FIRST_MISSING = "(first_name_l IS NULL OR first_name_r IS NULL)"


_ALIKE_FIRST = cll.JaroWinklerLevel("first_name", 0.88)


def _name_comparison(tf: bool) -> Any:
    """The whole name, down to the last name alone; no evidence without both last names.

    A pair with one first name unknown is compared on the last names (agreeing is a
    level of its own, weaker than a whole name; differing is no evidence, as before).
    """
    first, last = "first_name", "last_name"
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.CustomLevel(
                f"last_name_l IS NULL OR last_name_r IS NULL OR ({_FIRST_MISSING} AND last_name_l <> last_name_r)",
                "a name unknown",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("full_name").configure(**_tf_exact("full_name", tf)),
            cll.ColumnsReversedLevel(first, last, symmetrical=True),
            cll.And(cll.ExactMatchLevel("first_canon"), cll.ExactMatchLevel(last)),
            cll.And(_ALIKE_FIRST, cll.JaroWinklerLevel(last, 0.9)),
            cll.CustomLevel(f"{_FIRST_MISSING} AND last_name_l = last_name_r", "one first name unknown").configure(
                **_tf(last, tf)
            ),
            cll.ExactMatchLevel(last).configure(**_tf_exact(last, tf)),
            cll.ElseLevel(),
        ],
    )


def _typo_comparison(column: str, levels: list[Any]) -> Any:
    """Exact, then slips of the finger (``levels``), then else."""
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[cll.NullLevel(column), cll.ExactMatchLevel(column), *levels, cll.ElseLevel()],
    )


def _birthday_comparison() -> Any:
    """Exact, one digit changed, the same digits in another order, else.

    The reordered digits are two swapped (``1972-01-05``/``1972-10-05``) or day and
    month swapped (``03-04``/``04-03``): an exact match on the sorted digits
    (``_anagram``), not Damerau-Levenshtein, which costs DuckDB six times a
    Levenshtein on ISO dates while u sampling compares a quarter of a million pairs.
    """
    return _typo_comparison("birthday", [cll.LevenshteinLevel("birthday", 1), cll.ExactMatchLevel("birthday_anagram")])


def _postcode_comparison() -> Any:
    """Exact, one digit changed (or added, or lost), two swapped (``3023``/``3032``), else."""
    return _typo_comparison("postcode", [cll.LevenshteinLevel("postcode", 1), cll.ExactMatchLevel("postcode_anagram")])


def _street_comparison() -> Any:
    """Exact, alike, or the same street name with another (or without a) house number."""
    return cl.CustomComparison(
        output_column_name="street",
        comparison_levels=[
            cll.NullLevel("street"),
            cll.ExactMatchLevel("street"),
            cll.JaroWinklerLevel("street", 0.88),
            cll.JaroWinklerLevel("street_name", 0.88),
            cll.ElseLevel(),
        ],
    )


def _email_comparison(tf: bool) -> Any:
    """The address: one mailbox, or a local part that says more than the name, agrees.

    A local part built from the name alone (``osych``, ``olena.sych``) is agreed on by
    namesakes as often as their names are, so beside the name comparison it is no
    evidence at all (a null level), unless both addresses are one mailbox.

    One mailbox under two first names that are not one name (Maria and Mykhailyna
    Sych at ``msych@``; not a nickname, not a typo) is a household's shared address,
    also no evidence: at 10,000 demo customers it made the largest wrong merge (276
    and 291 records of two people) and four more, 95k of the 154k wrongly joined
    record pairs the model added. Its m and u cannot be estimated (random pairs
    almost never share a mailbox, and EM would need the name comparison it depends on).
    """
    same_first = cll.Or(cll.NullLevel("first_name"), cll.ExactMatchLevel("first_canon"), _ALIKE_FIRST)
    return cl.CustomComparison(
        output_column_name="email_local",
        comparison_levels=[
            cll.NullLevel("email_local"),
            cll.And(cll.ExactMatchLevel("email_box"), same_first),
            cll.ExactMatchLevel("email_box").configure(is_null_level=True, label_for_charts="a household's mailbox"),
            cll.CustomLevel("email_rest_l IS NULL OR email_rest_r IS NULL", "the name alone").configure(
                is_null_level=True
            ),
            # what the address says beyond the name agrees (a year, a number, a nickname):
            # its own frequency, not the whole local part's, which namesakes share
            cll.ExactMatchLevel("email_rest").configure(**_tf_exact("email_rest", tf)),
            # a slip of the finger, not another year or number after the same name
            cll.And(cll.LevenshteinLevel("email_local", 2), cll.ExactMatchLevel("email_digits")),
            cll.ElseLevel(),
        ],
    )


def _comparisons(tf: bool, idle: frozenset[str] = frozenset()) -> list[Any]:
    """The comparisons in ``_PRIORS`` order, with their priors; those named in ``idle`` left out."""
    made = [
        _name_comparison(tf),
        _email_comparison(tf),
        cl.CustomComparison(
            output_column_name="phone",
            comparison_levels=[
                cll.NullLevel("phone"),
                cll.ExactMatchLevel("phone").configure(fix_m_probability=True),
                cll.ElseLevel().configure(fix_m_probability=True),
            ],
        ),
        _birthday_comparison(),
        _street_comparison(),
        cl.CustomComparison(
            output_column_name="city",
            comparison_levels=[
                cll.NullLevel("city"),
                cll.ExactMatchLevel("city").configure(**_tf_exact("city", tf)),
                cll.JaroWinklerLevel("city", 0.8),
                cll.ElseLevel(),
            ],
        ),
        _postcode_comparison(),
    ]
    return [
        c.configure(m_probabilities=_PRIORS[n][0], u_probabilities=_PRIORS[n][1])
        for c, n in zip(made, _PRIORS, strict=True)
        if n not in idle
    ]


# The column whose null puts a pair in each comparison's null level (the name's: the last name).
_NULL_COLUMN = {n: "last_name" if n == "name" else n for n in _PRIORS}
_IDLE = "left out of training and scoring: fewer than two records held a value, so every pair was in its null level"


def idle_comparisons(table: pa.Table) -> frozenset[str]:
    """The comparisons every pair of ``table`` would meet in their null level: known in fewer than two records.

    Such a comparison weighs nothing for any pair and its m and u cannot be estimated,
    yet it cost a query in u sampling and a column in every EM and prediction query
    (FEBRL keeps no emails or phones: 0.1-0.2 s of a 1.4 s resolve). It is left out of
    the Splink model when at least one comparison remains; :func:`_with_idle` puts it
    back into the stored model with its priors, as training would have left it.
    """
    idle = frozenset(n for n, column in _NULL_COLUMN.items() if table[column].null_count > table.num_rows - 2)
    return idle if len(idle) < len(_PRIORS) else frozenset()


def _with_idle(model: dict[str, Any], idle: frozenset[str], record_count: int) -> dict[str, Any]:
    """The stored model with the ``idle`` comparisons back in their places, at their priors, saying why.

    A later incremental run scores with the stored model whatever the new records hold,
    so a shop that had no phones yet still compares them once some arrive (as before).
    """
    if not idle:
        return model
    trained = {c["output_column_name"]: c for c in model["comparisons"]}
    every = _comparisons(tf=record_count >= MIN_RECORDS_TO_TRAIN)
    comparisons = []
    for name, comparison in zip(_PRIORS, every, strict=True):
        if name in idle:
            comparisons.append(
                {**comparison.get_comparison(model["sql_dialect"]).as_dict(), "comparison_description": _IDLE}
            )
        else:
            comparisons.append(trained[name])
    return {**model, "comparisons": comparisons}


def _blocking_rules() -> list[Any]:
    return [
        block_on("last_name", "substr(first_name, 1, 1)"),
        block_on("last_name", "first_canon"),  # Sasha and Oleksandr
        block_on("first_canon", "substr(last_name, 1, 3)"),  # a typo late in the last name
        brl.CustomRule("l.first_name = r.last_name AND l.last_name = r.first_name"),  # swapped
        block_on("phone"),
        block_on("email_local"),
        block_on("postcode", "first_name"),
        block_on("postcode", "substr(last_name, 1, 1)"),
        block_on("street"),
        block_on("substr(first_name, 1, 2)", "substr(last_name, 1, 2)", "city"),
        # names swapped *and* mistyped, or missing: the birthday, or the place, alone. The
        # birthday alone holds every pair the birthday with the city, a first or a last name
        # would: those rules only made Splink's query for each later rule longer.
        block_on("birthday"),
        block_on("postcode", "city"),
        block_on("city", "substr(street, 1, 5)"),
    ]


def settings_for(record_count: int, idle: frozenset[str] = frozenset()) -> SettingsCreator:
    """The model settings, without the ``idle`` comparisons (:func:`idle_comparisons`).

    The prior match rate assumes about one duplicate in ten records, capped at 1e-4 so
    that on small inputs a shared name and city alone is a question, not a merge.
    Training replaces it with the rate the EM sessions find (see :func:`_train`).
    """
    pairs = max(record_count * (record_count - 1) / 2, 1.0)
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=_comparisons(record_count >= MIN_RECORDS_TO_TRAIN, idle),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        probability_two_random_records_match=min(max(0.1 * record_count / pairs, 1e-6), 1e-4),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def splink_table(records: Records) -> pa.Table:
    """The records as Splink's input, with placeholder email local parts blanked.

    An Arrow table handed to Splink as it is: no Python dict per record (at a million
    profiles those dicts and their conversion cost seconds and a gigabyte).
    """
    table = records.table.select(["unique_id", *COLUMNS])
    local = table["email_local"]
    counts = pc.value_counts(local)
    held = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), MAX_PROFILES_PER_EMAIL_LOCAL))
    placeholder = pc.fill_null(pc.is_in(local, value_set=held), False)
    for column in ("email_local", "email_box", "email_rest"):
        blanked = pc.if_else(placeholder, pa.scalar(None, pa.string()), table[column])
        table = table.set_column(table.schema.get_field_index(column), column, blanked)
    table = table.append_column("email_digits", mapped(table["email_local"], _digits))
    street = mapped(table["street"], _street_known)
    table = table.set_column(table.schema.get_field_index("street"), "street", street)
    table = table.append_column("street_name", mapped(street, _street_name))
    table = table.append_column("birthday_anagram", mapped(table["birthday"], _anagram))
    return table.append_column("postcode_anagram", mapped(table["postcode"], _anagram))


def _digits(local: str | None) -> str:
    return "".join(c for c in local or "" if c.isdigit())


def _street_known(street: str | None) -> str | None:
    """The street, unless it has no letter: a house number alone (``10``: the street itself was left out) names none.

    Example:
        >>> _street_known("53 tytherleigh street"), _street_known("10")
        ('53 tytherleigh street', None)
    """
    return street if street and any(c.isalpha() for c in street) else None


def _street_name(street: str | None) -> str | None:
    """The street without house or flat numbers.

    Example:
        >>> _street_name("53 tytherleigh street")
        'tytherleigh street'
    """
    return " ".join(word for word in (street or "").split() if not any(c.isdigit() for c in word)) or None


def _anagram(value: str | None) -> str | None:
    """The characters of ``value`` in sorted order: equal for two values with swapped digits.

    Example:
        >>> _anagram("1972-01-05") == _anagram("1972-10-05"), _anagram("3023") == _anagram("3032")
        (True, True)
    """
    return "".join(sorted(value)) if value else None


def _as_records(records: Records | Sequence[ProfileRecord]) -> Records:
    return records if isinstance(records, Records) else Records.of(records)


def _linker(db_api: Any, table: pa.Table, idle: frozenset[str] = frozenset()) -> Linker:
    # Splink's settings validation only logs about columns missing from the input: ours
    # are fixed (``splink_table``), and it re-parses every comparison's SQL (5% of FEBRL3).
    settings = settings_for(table.num_rows, idle)
    return Linker(register(db_api, table), settings, log_level=None, validate_settings=False)


# EM blocks, each leaving the comparisons it does not block on free to be estimated.
_EM_BLOCKS = ("full_name", "email_local", "birthday")


class _UnderflowedBlock(Exception):
    """Splink's EM on one block drove an m (or u) to 0.0, which Splink 5 refuses mid-session."""

    def __init__(self, block: str) -> None:
        super().__init__(block)
        self.block = block


def _trained_linker(db_api: Any, table: pa.Table, idle: frozenset[str]) -> Linker:
    """A linker trained by :func:`_train`, without any EM block whose session underflowed.

    Splink's EM sets a level's m to the share of the expected matches at that level; if
    every pair at an observed level has a match probability that rounds to 0, the share
    is 0.0 and Splink 5 raises in the middle of the session, after it has already taken
    the blocked comparison out of the linker's settings (see :func:`_train`). That
    happened on a 1,500-customer demo (the email block; a city level's m was 2.6e-32
    after the name block). The whole training is then run again on a fresh linker
    without that block, so the comparisons it would have estimated keep what the other
    blocks (or the priors) give them; it costs a second training, only when it happens.
    """
    skipped: set[str] = set()
    while True:
        linker = _linker(db_api, table, idle)
        try:
            _train(linker, table, frozenset(skipped))
        except _UnderflowedBlock as failure:
            log.warning("EM blocked on %s drove a probability to 0; training again without that block", failure.block)
            skipped.add(failure.block)
            continue
        return linker


def _underflowed(error: ValueError) -> bool:
    """Whether ``error`` is Splink's refusal of an m or u probability below its minimum."""
    text = str(error)
    return "_probability value" in text and "below the minimum" in text


def _train(linker: Linker, table: pa.Table, skip: frozenset[str] = frozenset()) -> None:
    """U by random sampling; m by EM on blocks that leave each comparison free once.

    EM blocked on names estimates every comparison but the name; blocked on email or
    birthday it estimates the name. A block with no pairs keeps the priors, and is
    not even tried: Splink's EM session first takes the blocked comparison out of the
    linker's own settings and rescales its match rate, then raises when it finds no
    pairs, so a caught failure left the model without that comparison (a shop without
    emails lost its email comparison) and with a match rate some 600 times too high.
    The match rate is then the one the EM sessions imply (Splink's median over them,
    each session's in-block rate taken back through its blocking level), not the prior:
    a shop's share of duplicates is a fact about its data, and with the prior's 4e-5
    FEBRL3 (true 5e-4) fell from F1 .996 to .987.

    The EM iterations leave term frequencies out (Splink's
    ``estimate_without_term_frequencies``): they then run on the counts of each
    agreement pattern instead of every blocked pair, and Splink does not write the
    term-frequency SQL again for each iteration. The m it finds moved by under .001 on
    FEBRL3 (no pair crossed 0.99; F1 the same) and the 10,000-customer demo kept its
    scores to six places; the predictions still apply term frequencies.
    """
    if table.num_rows < MIN_RECORDS_TO_TRAIN:
        return
    with _quiet_splink():
        linker.training.estimate_u_using_random_sampling(
            max_pairs=min(1e6, U_PAIRS_PER_RECORD * table.num_rows), seed=360, num_chunks=1
        )
        for column in _EM_BLOCKS:
            if column in skip or not _shared(table[column]):
                continue
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(column),
                    fix_u_probabilities=True,
                    populate_probability_two_random_records_match_from_trained_values=True,
                    estimate_without_term_frequencies=True,
                )
            except ValueError as error:
                if not _underflowed(error):
                    raise
                raise _UnderflowedBlock(column) from error


def _shared(column: pa.ChunkedArray) -> bool:
    """Whether two rows hold one value of ``column``: an EM block on it has pairs."""
    known = column.drop_null()
    return len(known) > len(pc.unique(known))


@contextmanager
def _quiet_splink() -> Iterator[None]:
    """Keep Splink's "level not observed, unable to train m value" warnings off the console.

    A shop that keeps no birthdays or streets meets them on every run; the comparison
    then keeps its prior, which is the intended outcome, not something to act on. Its
    warnings go through Python's last-resort handler straight onto a CLI's progress bars.
    """
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# Term-frequency columns whose adjustment belongs to each comparison's weight.
_TF_COLUMNS = {"name": ("full_name", "last_name"), "email_local": ("email_rest",), "city": ("city",)}


def _weights(rows: pa.Table, idle: frozenset[str] = frozenset()) -> list[dict[str, float]]:
    """Each pair's match weight per comparison, its term-frequency adjustment included.

    Computed a column at a time (a log2 and an addition over Arrow arrays), then one
    dict per pair; a comparison whose weight is missing or not finite is left out of
    that pair's dict. An ``idle`` comparison weighs 0 for every pair, as its null level
    did when it was scored.
    """
    names: list[str] = []
    columns: list[list[float | None]] = []
    for name in _PRIORS:
        if name in idle:
            names.append(name)
            columns.append([0.0] * rows.num_rows)
            continue
        if f"mw_{name}" not in rows.column_names:
            continue
        weight = pc.cast(rows[f"mw_{name}"], pa.float64())
        known = pc.fill_null(pc.is_finite(weight), False)
        for column in _TF_COLUMNS.get(name, ()):
            if f"bf_tf_adj_{column}" not in rows.column_names:
                continue
            adjustment = pc.cast(rows[f"bf_tf_adj_{column}"], pa.float64())
            adjusted = pc.fill_null(pc.greater(adjustment, 0), False)
            weight = pc.if_else(adjusted, pc.add(weight, pc.log2(pc.if_else(adjusted, adjustment, 1.0))), weight)
        names.append(name)
        columns.append([round(w, 3) if k else None for w, k in zip(weight.to_pylist(), known.to_pylist(), strict=True)])
    return [{n: w for n, w in zip(names, ws, strict=True) if w is not None} for ws in zip(*columns, strict=True)]


def _pair_rows(frame: Any) -> pa.Table:
    """The predicted pairs with only the columns :func:`_scored` reads, as one Arrow table.

    Not ``as_record_list``: with the intermediate columns kept (they carry the
    term-frequency adjustments) each pair has 22 columns, and every pair above the
    lower threshold became a Python dict (9,758 pairs of 28,224 profiles: 0.21 s →
    0.14 s of CPU, the same pairs); the weights are now computed on the columns too.
    """
    wanted = ["unique_id_l", "unique_id_r", "match_probability"]
    wanted += [f"mw_{name}" for name in _PRIORS]
    wanted += [f"bf_tf_adj_{column}" for columns in _TF_COLUMNS.values() for column in columns]
    if not hasattr(frame, "as_duckdbpyrelation"):  # Spark
        records = frame.as_record_list()
        return pa.table({c: [row[c] for row in records] for c in wanted if records and c in records[0]})
    relation = frame.as_duckdbpyrelation()
    held = set(relation.columns)
    table: pa.Table = relation.select(*(c for c in wanted if c in held)).to_arrow_table()
    return table


def _scored(tables: Sequence[pa.Table], idle: frozenset[str] = frozenset()) -> list[ScoredPair]:
    pairs: list[ScoredPair] = []
    for rows in tables:
        if not rows.num_rows:
            continue
        a = pc.cast(rows["unique_id_l"], pa.int64()).to_pylist()
        b = pc.cast(rows["unique_id_r"], pa.int64()).to_pylist()
        probability = pc.cast(rows["match_probability"], pa.float64()).to_pylist()
        pairs += map(ScoredPair, a, b, probability, _weights(rows, idle))
    return sorted(pairs, key=lambda p: (-p.probability, p.a_profile, p.b_profile))


def score_pairs(
    records: Records | Sequence[ProfileRecord], *, train: bool, threshold: float, backend: str = "duckdb"
) -> list[ScoredPair]:
    """The pairs of :func:`score_all`, without the model."""
    return score_all(records, train=train, threshold=threshold, backend=backend)[0]


def score_all(
    records: Records | Sequence[ProfileRecord],
    *,
    train: bool,
    threshold: float,
    backend: str = "duckdb",
    memory_limit: str | None = None,
) -> tuple[list[ScoredPair], dict[str, Any] | None]:
    """Score the blocked pairs of ``records``; keep those at or above ``threshold``.

    Args:
        records: one record per profile (a :class:`table.Records`, or per-row records).
        train: estimate u and m from the records (only done from
            ``MIN_RECORDS_TO_TRAIN`` records up; below that the priors are used).
        threshold: the lowest match probability returned.
        backend: where Splink runs (``backend.BACKENDS``), with the same settings.
        memory_limit: most memory Splink's DuckDB may hold (``Settings.memory_limit``).

    Returns:
        The pairs, most likely first, each with its per-comparison match weights
        (``guard.guard_pairs`` then marks identifier conflicts), and the model that
        scored them (Splink's settings with their m and u, for :func:`score_new`;
        ``None`` below two records).
    """
    if len(records) < 2:
        return [], None
    table = splink_table(_as_records(records))
    idle = idle_comparisons(table)
    with session(backend, memory_limit) as db_api:
        linker = _trained_linker(db_api, table, idle) if train else _linker(db_api, table, idle)
        rows = _pair_rows(linker.inference.predict(threshold_match_probability=threshold))
        model = _with_idle(linker.misc.save_model_to_json(), idle, table.num_rows)
    return _scored([rows], idle), model


def score_new(
    records: Records | Sequence[ProfileRecord],
    new: set[int],
    model: dict[str, Any],
    *,
    threshold: float,
    memory_limit: str | None = None,
) -> list[ScoredPair]:
    """Score only the pairs that involve a profile in ``new``, with a stored ``model``.

    Nothing is trained: the m and u probabilities are the stored ones. Term
    frequencies are counted again over every record (they change as profiles
    arrive, and counting is cheap next to training); the pairs are the new records
    against the others plus the new records among themselves, blocked by the
    model's own rules.
    """
    table = splink_table(_as_records(records))
    is_new = pc.is_in(table["unique_id"], value_set=pa.array(sorted(new), pa.int64()))
    if not pc.any(is_new).as_py() or len(records) < 2:
        return []
    with session("duckdb", memory_limit) as db_api:
        linker = Linker(db_api.register(table), dict(model), log_level=None, validate_settings=False)
        for column in _tf_columns(model):
            linker.table_management.compute_tf_table(column)
        old_rows, new_rows = table.filter(pc.invert(is_new)), table.filter(is_new)
        new_frame = db_api.register(new_rows)
        found = [_pair_rows(linker.inference.predict_within(new_frame, threshold_match_probability=threshold))]
        if old_rows.num_rows:
            between = linker.inference.predict_between(
                db_api.register(old_rows), new_frame, threshold_match_probability=threshold
            )
            found.append(_pair_rows(between))
    return _scored(found)


def _tf_columns(model: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies the stored model's comparison levels use."""
    return sorted(
        {
            level["tf_adjustment_column"]
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )
