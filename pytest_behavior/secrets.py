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
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S*$")


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
    """The parameters with every credential removed, at any depth (``extra_body``, headers, ...)."""
    public: dict[str, Any] = {}
    for name, value in params.items():
        if is_secret_name(str(name)):
            continue
        public[str(name)] = _public_value(str(name), value)
    return public


def _public_value(name: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return public_params(value)
    if isinstance(value, (list, tuple)):
        return [_public_value(name, item) for item in value]
    if isinstance(value, str) and (name in ("api_base", "base_url") or _URL.match(value)):
        return redact_url(value)
    return value
