"""``ws.configuration``: the settings of the shop's data that the workspace keeps.

A shop sets its reporting currency once: kept in the workspace file, it is read by
every process that opens it (CLI, server, web, Python), so that none reports revenue
in other terms than another. Which settings may be kept, and the order in which an
argument, the environment and the workspace win, is in ``settings.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from persona360.settings import (
    WORKSPACE_SETTINGS,
    Settings,
    SettingValueError,
    check_storable,
    given_settings,
    load_settings,
    setting_sources,
    settings_error_text,
    with_stored,
)
from persona360.store.stored_settings import forget_setting, store_setting, stored_settings

if TYPE_CHECKING:
    from persona360.workspace import Workspace


class ConfigurationAPI:
    """``ws.configuration``: show, set and unset the settings the workspace keeps (audited)."""

    def __init__(self, ws: Workspace, given: Settings) -> None:
        self._ws = ws
        self._given = given  # the settings as passed in: arguments and environment only

    def show(self) -> list[dict[str, Any]]:
        """Each setting a workspace may keep: the value it opens with, where that comes from, what it keeps.

        Returns:
            one dict per setting: ``name``, ``variable`` (its environment variable), ``value``
            (as the workspace opens with what it keeps now), ``source`` (``argument``,
            ``environment``, ``workspace`` or ``default``) and ``stored`` (None if not kept).
        """
        stored = stored_settings(self._ws.db)
        opened = with_stored(self._given, stored)
        sources = setting_sources(self._given, stored)
        return [
            {
                "name": name,
                "variable": f"PERSONA360_{name.upper()}",
                "value": getattr(opened, name),
                "source": sources[name],
                "stored": stored.get(name),
            }
            for name in WORKSPACE_SETTINGS
        ]

    def set(self, name: str, value: Any, actor: str = "cli") -> dict[str, Any]:
        """Keep ``value`` as the workspace's ``name``, checked as its environment variable is. Audited.

        Args:
            name: one of ``WORKSPACE_SETTINGS``.
            value: as the setting takes it (a list for ``exchange_rates``; see ``parse_setting``).
            actor: who set it, for the audit trail.

        Returns:
            ``name``, ``value`` (as kept: codes in upper case), ``previous`` (None if none was
            kept) and ``warnings`` (the environment overrides it, rates kept for another currency).

        Raises:
            SettingNameError: the workspace may not keep ``name``.
            SettingValueError: the value is not valid, alone or with the other kept settings.
        """
        check_storable(name)
        stored = stored_settings(self._ws.db)
        kept = getattr(_checked({**stored, name: value}), name)
        store_setting(self._ws.db, name, kept, self._ws.clock.now())
        previous = stored.get(name)
        self._ws.privacy.audit(actor, "settings.set", f"setting:{name}", {"value": kept, "previous": previous})
        return {"name": name, "value": kept, "previous": previous, "warnings": self._warnings(name, kept, stored)}

    def unset(self, name: str, actor: str = "cli") -> dict[str, Any]:
        """Stop keeping ``name`` (the environment or the default applies again). Audited when it was kept.

        Raises:
            SettingNameError: the workspace may not keep ``name``.
            SettingValueError: the settings left would not be valid together (rates without a currency).
        """
        check_storable(name)
        stored = stored_settings(self._ws.db)
        if name not in stored:
            return {"name": name, "previous": None}
        _checked({key: value for key, value in stored.items() if key != name})
        forget_setting(self._ws.db, name)
        self._ws.privacy.audit(actor, "settings.unset", f"setting:{name}", {"previous": stored[name]})
        return {"name": name, "previous": stored[name]}

    def _warnings(self, name: str, value: Any, stored: dict[str, Any]) -> list[str]:
        warnings = []
        source = setting_sources(self._given, {**stored, name: value})[name]
        if source != "workspace":
            given = given_settings(self._given)
            by = name if name in given else next(iter({"reporting_currency", "exchange_rates"} & set(given)))
            warnings.append(
                f"not used while PERSONA360_{by.upper()} is given by the {given[by]}, which wins over the "
                "workspace (reporting_currency and exchange_rates are taken together)"
            )
        rates = stored.get("exchange_rates")
        if name == "reporting_currency" and rates and stored.get(name) not in (None, value):
            warnings.append(
                f"the kept exchange_rates were written into {stored[name]}: set rates into {value} "
                "(`persona360 settings set exchange_rates ...`) or unset them"
            )
        return warnings


def _checked(stored: dict[str, Any]) -> Settings:
    """The workspace settings ``stored`` would make, each given (so the environment does not mix in)."""
    defaults = {name: Settings.model_fields[name].get_default(call_default_factory=True) for name in WORKSPACE_SETTINGS}
    try:
        return load_settings(**{**defaults, **stored})
    except ValidationError as error:
        raise SettingValueError(settings_error_text(error)) from None
