"""A JSON response rendered by orjson (dates, UUIDs and numpy-free dicts, fast)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def render_json(content: Any) -> bytes:
    return orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS)


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return render_json(content)
