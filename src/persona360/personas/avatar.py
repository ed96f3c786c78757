"""An abstract avatar per persona: an SVG drawn from a hash of the persona's key.

The same key always gives the same picture, so a persona keeps its face across exports.
"""

from __future__ import annotations

import hashlib

SIZE = 96


def avatar_svg(key: str) -> str:
    """A 96x96 SVG: a tinted background, a ring and three shapes placed by ``key``'s hash.

    Example:
        >>> avatar_svg("v1-p0") == avatar_svg("v1-p0")
        True
        >>> avatar_svg("v1-p0").startswith("<svg")
        True
    """
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    hue = digest[0] * 360 // 256
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">',
        f'<rect width="{SIZE}" height="{SIZE}" rx="16" fill="hsl({hue},45%,92%)"/>',
        f'<circle cx="48" cy="48" r="{30 + digest[1] % 10}" fill="none" '
        f'stroke="hsl({hue},55%,45%)" stroke-width="{3 + digest[2] % 4}"/>',
    ]
    for index in range(3):
        parts.append(_shape(digest[3 + index * 5 : 8 + index * 5], (hue + 40 * (index + 1)) % 360))
    parts.append("</svg>")
    return "".join(parts)


def _shape(seed: bytes, hue: int) -> str:
    x, y, size = 24 + seed[0] % 48, 24 + seed[1] % 48, 6 + seed[2] % 14
    colour = f"hsl({hue},60%,{40 + seed[3] % 25}%)"
    kind = seed[4] % 3
    if kind == 0:
        return f'<circle cx="{x}" cy="{y}" r="{size}" fill="{colour}" fill-opacity="0.8"/>'
    if kind == 1:
        return (
            f'<rect x="{x - size}" y="{y - size}" width="{2 * size}" height="{2 * size}" '
            f'rx="3" fill="{colour}" fill-opacity="0.8" transform="rotate({seed[3] % 90} {x} {y})"/>'
        )
    points = f"{x},{y - size} {x + size},{y + size} {x - size},{y + size}"
    return f'<polygon points="{points}" fill="{colour}" fill-opacity="0.8"/>'
