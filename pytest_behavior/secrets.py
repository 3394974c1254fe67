"""Recognising credentials so they never reach fingerprints, golden files, caches, reports or logs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_NAME = re.compile(
    r"(api[_-]?key|(?:^|[_-])key$|secret|token|password|passwd|credential|authorization|auth|cookie|private[_-]?key|"
    r"access[_-]?key|session[_-]?key|signature)",
    re.IGNORECASE,
)
REDACTED = "<redacted>"


def is_secret_name(name: str) -> bool:
    """True for parameter or header names that carry credentials (``api_key``, ``Authorization``, ...)."""
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """Drop user:password from a URL and blank secret-looking query parameters."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = urlencode(
        [(k, REDACTED if is_secret_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def public_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with every credential removed (headers filtered entry by entry)."""
    public: dict[str, Any] = {}
    for name, value in params.items():
        if is_secret_name(name):
            continue
        if isinstance(value, Mapping) and "header" in name.lower():
            value = {k: v for k, v in value.items() if not is_secret_name(str(k))}
        elif isinstance(value, str) and name in ("api_base", "base_url"):
            value = redact_url(value)
        public[name] = value
    return public
