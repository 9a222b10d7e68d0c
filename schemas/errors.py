"""Turn marshmallow's nested error dict into a flat list of `{field, message, code}`."""

from __future__ import annotations


def printable(text: str) -> str:
    """Input echoed back (a field name) with control characters escaped, so it can be
    shown, logged and stored (PostgreSQL's JSONB refuses NUL)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def flatten(messages, path: str = "") -> list[dict[str, str]]:
    """`{"sectors": {1: {"code": [msg]}}}` → `[{"field": "sectors[1].code", ...}]`,
    in input order."""
    out: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{printable(str(key))}" if path else printable(str(key))
            out.extend(flatten(value, child))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                out.extend(flatten(item, path))
            else:
                out.append(
                    {"field": path, "message": str(item), "code": getattr(item, "code", "invalid")}
                )
    else:
        out.append(
            {"field": path, "message": str(messages), "code": getattr(messages, "code", "invalid")}
        )
    return out
