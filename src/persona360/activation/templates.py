"""Message templates: sandboxed Jinja2 over one profile, its fresh traits and an event.

A template file is an optional ``Subject: ...`` line, a blank line, then the body.
Only traits that are fresh (younger than ``activation_stale_after_days``), confident
(at least ``activation_min_confidence``) and observed rather than inferred by an
enrichment provider (unless ``activation_use_inferred``) reach the template; anything else
is missing, so ``greeting``, ``g`` and ``| default(...)`` fall back to generic wording.
Names the template is not given raise at once (see DataUndefined), and ``None``
never renders as the text "None".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MethodType
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import ChainableUndefined, Template, TemplateError, Undefined, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing

from persona360.errors import Persona360Error

GENERIC_NAME = {"uk": "друже", "en": "there"}
FEMALE = {"f", "female", "woman", "ж", "жін", "жіноча", "жінка"}
MALE = {"m", "male", "man", "ч", "чол", "чоловіча", "чоловік"}
# Between subject and body when both render as one template: two control characters no template holds.
_SEPARATOR = "\x1f\x1e"
# A name-based guess below this probability leaves the wording generic.
GUESS_MIN_PROBABILITY = 0.8


class TemplateRenderError(ValueError, Persona360Error):
    """A template does not parse or refers to a name it is not given."""


@dataclass(frozen=True)
class TraitValue:
    """One shown trait as the profile reader returns it."""

    value: Any
    observed_at: datetime | None
    confidence: float | None
    inferred: bool = False

    @classmethod
    def shown(cls, trait: Mapping[str, Any]) -> TraitValue:
        """From a shown trait of the profiles room's readers."""
        return cls(trait["value"], trait["observed_at"], trait["confidence"], bool(trait.get("inferred")))


@dataclass(frozen=True)
class Freshness:
    """Which traits a message may use, as of ``now``."""

    now: datetime
    stale_after: timedelta
    min_confidence: float
    use_inferred: bool = False

    def usable(self, trait: TraitValue) -> bool:
        if trait.value is None or trait.value == "":
            return False
        if trait.inferred and not self.use_inferred:  # a guess is not said to the customer's face
            return False
        if trait.observed_at is not None and self.now - trait.observed_at > self.stale_after:
            return False
        return trait.confidence is None or trait.confidence >= self.min_confidence


class UsedTraits(Mapping[str, Any]):
    """The usable traits of a profile; remembers which ones the template read."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self.used: list[str] = []

    def __getitem__(self, name: str) -> Any:
        value = self._values[name]
        if name not in self.used:
            self.used.append(name)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self._values else default

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass
class RenderResult:
    """A rendered message and the traits it used."""

    subject: str
    text: str
    traits_used: list[str] = field(default_factory=list)


@dataclass
class TemplateContext:
    """What one message is rendered from."""

    profile_id: int
    traits: dict[str, TraitValue]
    computed: dict[str, str] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)
    link: Callable[[str], str] = str


def split_template(source: str) -> tuple[str, str]:
    """Split a template file into its subject line and body."""
    head, sep, rest = source.partition("\n")
    if head.lower().startswith("subject:"):
        return head.split(":", 1)[1].strip(), rest.lstrip("\n")
    return "", source


class DataUndefined(ChainableUndefined):
    """Strict for names the template is not given (typos) and unsafe access, empty for missing data.

    ``{{ nmae }}`` raises, while ``{{ event.size }}`` or ``{{ traits.city }}`` on a
    profile without one renders as nothing and still triggers ``| default(...)``.
    """

    __slots__ = ()

    def _check(self) -> None:
        if self._undefined_obj is missing or self._undefined_exception is not UndefinedError:
            self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._check()
        return ""

    def __iter__(self) -> Iterator[Any]:
        self._check()
        return iter(())

    def __bool__(self) -> bool:
        self._check()
        return False


def _finalize(value: Any) -> Any:
    return "" if value is None else value


class _Helpers:
    """The functions one message's template may call: ``greeting()``, ``g()``, ``money()``...

    Bound methods of this class are the renderer's own code, safe by construction and
    never asking for Jinja's context, so :class:`_Sandbox` calls them directly.
    """

    __slots__ = ("renderer", "traits", "_link")

    def __init__(self, renderer: Renderer, traits: UsedTraits, link: Callable[[str], str]) -> None:
        self.renderer = renderer
        self.traits = traits
        self._link = link

    def first_name(self) -> str:
        return first_name(self.traits)

    def greeting(self, generic: str | None = None) -> str:
        return first_name(self.traits) or generic or self.renderer._generic_name()  # noqa: SLF001

    def g(self, masculine: str, feminine: str, generic: str | None = None) -> str:
        return agree(self.traits, masculine, feminine, generic)

    def date(self, value: Any, format: str = "long") -> str:  # noqa: A002 - the template's keyword
        return self.renderer.format_date(value, format)

    def money(self, amount: Any, currency: str | None = None) -> str:
        return self.renderer.format_money(amount, currency)

    def link(self, url: str) -> str:
        return self._link(url)


class _Sandbox(SandboxedEnvironment):
    """The sandbox, calling the renderer's own helpers directly.

    A message calls four or five helpers; for each, the sandbox asks whether it is safe
    to call and Jinja whether it wants the context, about a fifth of rendering. A
    helper (a bound method of :class:`_Helpers`, see there) needs neither; anything
    else a template calls still goes through both.
    """

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        if type(__obj) is MethodType and type(__obj.__self__) is _Helpers:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _environment() -> SandboxedEnvironment:
    return _Sandbox(undefined=DataUndefined, finalize=_finalize, autoescape=False)


class Renderer:
    """Renders templates in one locale with one freshness rule."""

    def __init__(self, locale: str, currency: str, freshness: Freshness) -> None:
        self.locale = locale
        self.currency = currency
        self.freshness = freshness
        self.env = _environment()
        self._compiled: dict[str, tuple[Template, tuple[Template, Template]]] = {}

    def check(self, source: str) -> None:
        """Raise :class:`TemplateRenderError` if ``source`` does not parse."""
        try:
            for part in split_template(source):
                self.env.parse(part)
        except TemplateError as error:
            raise TemplateRenderError(f"template does not parse: {error}") from error

    def render(self, source: str, ctx: TemplateContext) -> RenderResult:
        """Render ``source`` for one profile; return subject, text and the traits used.

        Subject and body are rendered as one template (one context, not two) and split
        at a separator no template text holds; if the data brings one in, they are
        rendered apart. The context is a plain dict of the environment's globals and
        this message's names, handed to the compiled template as it is: Jinja's own
        ``render`` copies the globals into a new dict and a set for every call.
        """
        traits = UsedTraits({k: t.value for k, t in ctx.traits.items() if self.freshness.usable(t)})
        names = self._names(traits, ctx)
        whole, parts = self._template(source)
        try:
            subject, sep, body = self._run(whole, names).partition(_SEPARATOR)
            if not sep or _SEPARATOR in body:
                subject, body = (self._run(part, names) for part in parts)
        except TemplateError as error:
            raise TemplateRenderError(f"template cannot be rendered for profile {ctx.profile_id}: {error}") from error
        return RenderResult(_tidy(subject), _tidy(body), list(traits.used))

    def _run(self, template: Template, names: dict[str, Any]) -> str:
        context = self.env.context_class(self.env, names, template.name, template.blocks)
        return self.env.concat(template.root_render_func(context))

    def _template(self, source: str) -> tuple[Template, tuple[Template, Template]]:
        # Compiling costs about a millisecond; a campaign renders one source thousands of times.
        found = self._compiled.get(source)
        if found is None:
            subject, body = split_template(source)
            parts = (self.env.from_string(subject), self.env.from_string(body))
            found = self._compiled[source] = (self.env.from_string(subject + _SEPARATOR + body), parts)
        return found

    def _names(self, traits: UsedTraits, ctx: TemplateContext) -> dict[str, Any]:
        helpers = _Helpers(self, traits, ctx.link)
        return {
            **self.env.globals,
            "traits": traits,
            "computed": ctx.computed,
            "event": ctx.event,
            "first_name": helpers.first_name,
            "greeting": helpers.greeting,
            "g": helpers.g,
            "date": helpers.date,
            "money": helpers.money,
            "link": helpers.link,
        }

    def _generic_name(self) -> str:
        return GENERIC_NAME.get(self.locale.split("_")[0], GENERIC_NAME["en"])

    def format_date(self, value: Any, format: str = "long") -> str:
        """A date in the renderer's locale; empty for a missing value."""
        if isinstance(value, Undefined) or value in (None, ""):
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            return ""
        return _date_text(value, format, self.locale)

    def format_money(self, amount: Any, currency: str | None = None) -> str:
        """An amount in the renderer's locale; empty for a missing value."""
        if isinstance(amount, Undefined) or amount in (None, ""):
            return ""
        try:
            number = float(amount)
        except (TypeError, ValueError):
            return ""
        return _money_text(number, currency or self.currency, self.locale)


# Babel takes about a millisecond per call (locale data look-ups); a campaign formats the
# same few prices and dates thousands of times, so the texts are remembered.
@lru_cache(maxsize=4096)
def _money_text(number: float, currency: str, locale: str) -> str:
    return format_currency(number, currency, locale=locale)


@lru_cache(maxsize=4096)
def _date_text(value: date, format: str, locale: str) -> str:
    return format_date(value, format=format, locale=locale)


def first_name(traits: UsedTraits) -> str:
    """The first name only: a ``first_name`` trait, or a one-word ``name``; never a full name."""
    if "first_name" in traits:
        return str(traits["first_name"]).strip().split()[0] if str(traits["first_name"]).strip() else ""
    name = str(traits.get("name") or "").strip() if "name" in traits else ""
    return name if name and len(name.split()) == 1 else ""


def gender_of(traits: UsedTraits) -> str | None:
    """``"f"``, ``"m"`` or None, from the ``gender`` trait or a guess from the first name."""
    if "gender" in traits:
        value = str(traits["gender"]).strip().casefold()
        if value in FEMALE:
            return "f"
        if value in MALE:
            return "m"
    name = first_name(traits)
    return _guess(name) if name else None


@lru_cache(maxsize=8192)
def _guess(name: str) -> str | None:
    """The gender a first name suggests (remembered: a campaign meets the same names again and again)."""
    try:
        from persona360.enrichment.gender import guess_gender
    except ImportError:
        return None
    guessed = guess_gender(name)
    if guessed is None or guessed[1] < GUESS_MIN_PROBABILITY:
        return None
    return "f" if guessed[0] == "female" else "m" if guessed[0] == "male" else None


def agree(traits: UsedTraits, masculine: str, feminine: str, generic: str | None = None) -> str:
    """The word agreeing with the profile's gender, or a generic form when unknown."""
    gender = gender_of(traits)
    if gender == "f":
        return feminine
    if gender == "m":
        return masculine
    return generic if generic is not None else f"{masculine}/{feminine}"


# Anything _tidy would change besides the ends: a doubled space, a space before a mark, a
# comma before a stop, or white space at the end of a line.
_UNTIDY = re.compile(r"  | [,.!?]|,[.!?]|[^\S\n](?:\n|$)")


def _tidy(text: str) -> str:
    """Close the gaps an empty value leaves: doubled spaces and a space before punctuation."""
    return _tidy_lines(text) if _UNTIDY.search(text) else text.strip()


def _tidy_lines(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        while "  " in line.strip():
            line = line.replace("  ", " ")
        for mark in (",", ".", "!", "?"):
            line = line.replace(" " + mark, mark)
        for mark in (".", "!", "?"):
            line = line.replace("," + mark, mark)
        lines.append(line.rstrip())
    return "\n".join(lines).strip()
