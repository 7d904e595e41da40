"""Stripe's form encoding (`a[b][0][c]=v`) to nested dicts and lists, and parameter readers."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from .errors import invalid, missing_param, unknown_param

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode_form(body: str | bytes | None) -> dict:
    """Decode an `application/x-www-form-urlencoded` body or query string into nested params."""
    if not body:
        return {}
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            raise invalid(f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for index, raw_part in enumerate(parts):
            last = index == len(parts) - 1
            # `expand[]=x` appends
            part = raw_part if raw_part != "" else str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise invalid(f"Invalid parameter: {key}", param=key)
                node = child
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def read_int(
    params: dict, name: str, *, required: bool = False, minimum: int | None = None, path: str = ""
) -> int | None:
    """An integer parameter (Stripe sends every value as a string)."""
    param = path or name
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise missing_param(param)
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {value}", param=param) from None
    if minimum is not None and number < minimum:
        if minimum == 1:
            raise invalid(f"Invalid positive integer: {value}", param=param)
        raise invalid(f"This value must be greater than or equal to {minimum}.", param=param)
    return number


def read_str(params: dict, name: str, *, required: bool = False, path: str = "", choices=None) -> str | None:
    param = path or name
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise missing_param(param)
        return None
    if not isinstance(value, str):
        raise invalid(f"Invalid string: {value!r}", param=param)
    if choices is not None and value not in choices:
        raise invalid(f"Invalid {param}: must be one of {', '.join(choices)}", param=param)
    return value


def read_bool(params: dict, name: str, *, path: str = "") -> bool | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise invalid(f"Invalid boolean: {value}", param=path or name)


def read_metadata(params: dict, name: str = "metadata", *, path: str = "") -> dict:
    """Stripe's metadata: string keys and values; an empty string unsets a key."""
    value = params.get(name)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise invalid("Invalid hash", param=path or name)
    if len(value) > 50:
        raise invalid("Metadata can have at most 50 keys.", param=path or name)
    metadata = {}
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid("Invalid metadata value", param=f"{path or name}[{key}]")
        if len(key) > 40:
            raise invalid("Metadata keys can be at most 40 characters.", param=f"{path or name}[{key}]")
        if len(item) > 500:
            raise invalid("Metadata values can be at most 500 characters.", param=f"{path or name}[{key}]")
        if item != "":
            metadata[key] = item
    return metadata


def read_expand(params: dict) -> list[str]:
    value = params.get("expand")
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise invalid("Invalid array", param="expand")


def check_known(params: dict, known: set[str], *, ignored: frozenset[str] = frozenset(), prefix: str = "") -> None:
    """Refuse parameters Stripe would not know (a typo in our gateway should fail here, as on Stripe)."""
    for key in params:
        if key not in known and key not in ignored and key != "expand":
            raise unknown_param(f"{prefix}[{key}]" if prefix else key)
