"""Recognising credentials so they never reach fingerprints, golden files, caches, reports or logs.

Two tools. `public_params` and `redact_url` drop credentials from what is *persisted* (a bundle's description
and fingerprint). `redact` removes every credential value this process knows of from *free text*: provider error
messages, model answers, log records, the terminal and test reports. The process learns those values from the
bundles it calls (`remember_params`: secret-named parameters at any depth, header values and the token of a
``Bearer <key>`` header, URL passwords and secret query parameters), from environment variables whose names look
secret (`remember_environment`, which is where litellm reads ``OPENAI_API_KEY``, ``AZURE_API_KEY``,
``AWS_SECRET_ACCESS_KEY``, ...), and from litellm's module-level keys. Once learnt, a value stays redacted for the
rest of the process. A known value is found as written, percent-encoded, JSON- or repr-escaped, and where
pytest's ``-l`` cut a long repr in the middle of it (a long enough piece of it next to ``...``).

Values shorter than `MIN_SECRET_LENGTH` (`MIN_ENV_SECRET_LENGTH` for the environment) are not searched for in
text: they would match ordinary words, and a key that short protects nothing. From the environment, whose secret-
named variables are not all keys (``SECRET_KEY=development``), a value must also look like one: a digit or a
symbol in it, or 20 characters or more; otherwise every "development" in a model's answers would be redacted.

`Secret` wraps a credential in the frames the plugin controls, so that a traceback showing locals
(``--full-trace -l``) prints ``Secret('<redacted>')``; it is unwrapped (`reveal`) only in the call to litellm.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pytest_behavior.spec.redaction import MIN_ENV_SECRET_LENGTH as MIN_ENV_SECRET_LENGTH
from pytest_behavior.spec.redaction import MIN_SECRET_LENGTH as MIN_SECRET_LENGTH
from pytest_behavior.spec.redaction import REDACTED as REDACTED
from pytest_behavior.spec.redaction import known_secret_count as known_secret_count
from pytest_behavior.spec.redaction import redact as redact
from pytest_behavior.spec.redaction import remember as remember
from pytest_behavior.spec.secret_names import PUBLIC_HEADERS as PUBLIC_HEADERS
from pytest_behavior.spec.secret_names import is_headers_name as is_headers_name
from pytest_behavior.spec.secret_names import is_public_header as is_public_header
from pytest_behavior.spec.secret_names import is_secret_env_name as is_secret_env_name
from pytest_behavior.spec.secret_names import is_secret_name as is_secret_name

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S*$")


def header_digest(value: Any) -> str:
    """What a bundle's description shows of a header that may carry a credential: a short sha256 of its value, so
    that a changed header still changes the fingerprint, and a key (high-entropy) cannot be read back."""
    if isinstance(value, Secret):
        value = value.reveal()
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return f"<redacted sha256:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}>"


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
    """The parameters with every credential removed, at any depth (``extra_body``, headers, ...): secret-named
    ones are left out, a header not in `PUBLIC_HEADERS` shows as its `header_digest`."""
    public: dict[str, Any] = {}
    for name, value in params.items():
        if is_secret_name(str(name)):
            continue
        if is_headers_name(str(name)) and isinstance(value, Mapping):
            public[str(name)] = _public_headers(value)
            continue
        public[str(name)] = _public_value(str(name), value)
    return public


def _public_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(name): _public_value(str(name), value) if is_public_header(str(name)) else header_digest(value)
        for name, value in headers.items()
        if not is_secret_name(str(name))
    }


def _public_value(name: str, value: Any) -> Any:
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, Mapping):
        return public_params(value)
    if isinstance(value, (list, tuple)):
        return [_public_value(name, item) for item in value]
    if isinstance(value, str) and (name in ("api_base", "base_url") or _URL.match(value)):
        return redact_url(value)
    return value


class Secret:
    """A credential whose repr and str never show it; `reveal` gives the value back."""

    __slots__ = ("_shown", "_value")

    def __init__(self, value: str, *, shown: str = REDACTED) -> None:
        self._value = value
        self._shown = shown

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self._shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is not pickled (it would write the credential)")


def conceal(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of litellm keyword arguments with every credential wrapped in `Secret`, at any depth; a URL that
    carries one (a password, a ``?key=`` parameter) is wrapped whole and shows as `redact_url` prints it."""
    return {
        str(name): _conceal(value, secret=is_secret_name(str(name)), headers=is_headers_name(str(name)))
        for name, value in params.items()
    }


def _conceal(value: Any, *, secret: bool, headers: bool = False) -> Any:
    """``headers``: ``value`` holds HTTP headers, each a credential unless it is public."""
    if isinstance(value, Secret):
        return value
    if isinstance(value, Mapping):
        return {
            key: _conceal(
                item,
                secret=secret or is_secret_name(str(key)) or (headers and not is_public_header(str(key))),
                headers=is_headers_name(str(key)),
            )
            for key, item in value.items()
        }
    if type(value) in (list, tuple):
        return type(value)(_conceal(item, secret=secret) for item in value)
    if isinstance(value, str):
        if secret:
            return Secret(value)
        if _URL.match(value) and url_credentials(value):
            return Secret(value, shown=redact_url(value))
    return value


def reveal(value: Any) -> Any:
    """`conceal` undone: the values to send (call it inside the call expression, so no frame keeps them)."""
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, Mapping):
        return {key: reveal(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(reveal(item) for item in value)
    return value


def credential_values(params: Mapping[str, Any]) -> set[str]:
    """Every credential in litellm keyword arguments: strings under a secret name at any depth (in a list below
    it too, but not in a mapping below it, whose own names decide: a JSON schema's ``"password": {"type":
    "string"}`` holds no credential), the token of an ``Authorization: Bearer <token>`` value, the value of every
    header not in `PUBLIC_HEADERS` that looks like a key (``X-Client-Id: <key>``), and URL passwords and secret
    query parameters anywhere."""
    found: set[str] = set()
    _collect(params, found, secret=False)
    return found


def _collect(value: Any, found: set[str], *, secret: bool, headers: bool = False) -> None:
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            if headers and not is_secret_name(name) and not is_public_header(name):
                _collect_header(item, found)
            _collect(item, found, secret=is_secret_name(name), headers=is_headers_name(name))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect(item, found, secret=secret)
    elif isinstance(value, str):
        if secret:
            found.update(_credential_parts(value))
        if _URL.match(value):
            found.update(url_credentials(value))


def _collect_header(value: Any, found: set[str]) -> None:
    """A header of any name may carry a credential: its value (and a ``<scheme> <token>``'s token), if it looks
    like a key, so that an ordinary word sent in a header (``X-Env: production``) is not redacted everywhere."""
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, str):
        found.update(part for part in _credential_parts(value) if _looks_like_a_key(part))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_header(item, found)


def _credential_parts(value: str) -> set[str]:
    """A credential value, and for ``<scheme> <token>`` (``Bearer sk-...``, ``Basic dXNl...``) the token itself,
    with a Basic token's decoded ``user:password`` and password."""
    parts = {value.strip()}
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if token:
        parts.add(token)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            if decoded:
                parts.update({decoded, decoded.partition(":")[2]})
    return {part for part in parts if part}


def url_credentials(url: str) -> set[str]:
    """The user name and password of a URL (with the Basic token an HTTP client makes of them), and the values
    of its secret-named query parameters, decoded and as written."""
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return set()
    found: set[str] = set()
    if username or password:
        userinfo = parts.netloc.rpartition("@")[0]
        pair = f"{unquote(username or '')}:{unquote(password or '')}"
        found.update({userinfo, pair, base64.b64encode(pair.encode()).decode()})
        found.update(unquote(v) for v in (username, password) if v)
        found.update(v for v in (username, password) if v)
    for field in parts.query.split("&"):
        name, _, raw = field.partition("=")
        if raw and is_secret_name(unquote(name)):
            found.update({raw, unquote(raw.replace("+", " "))})
    return {value for value in found if value}


def env_credentials(environ: Mapping[str, str]) -> set[str]:
    """Values of environment variables whose names look secret (`is_secret_env_name`: ``OPENAI_API_KEY``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_BEARER_TOKEN_BEDROCK``, ``SNOWFLAKE_JWT``, ...), and credentials inside URLs
    any variable holds."""
    found: set[str] = set()
    for name, value in environ.items():
        found.update(_variable_credentials(name, value))
    return found


@functools.lru_cache(maxsize=4096)
def _variable_credentials(name: str, value: str) -> frozenset[str]:
    """The credentials one variable holds; cached, as the environment is read before every call and rarely
    changes."""
    found: set[str] = set()
    if is_secret_env_name(name):
        found.update(part for part in _credential_parts(value) if _looks_like_a_key(part))
    if _URL.match(value.strip()):
        found.update(url_credentials(value.strip()))
    return frozenset(found)


def _looks_like_a_key(value: str) -> bool:
    """Not a plain word: a digit or a symbol in it, or long (``sk-...``, ``AKIA...``, a JWT, a path)."""
    return len(value) >= 20 or not value.isalpha()


def remember_params(params: Mapping[str, Any]) -> None:
    """Redact every credential of these litellm keyword arguments (see `credential_values`) from now on."""
    remember(credential_values(params))


def remember_environment(environ: Mapping[str, str] | None = None) -> None:
    """Redact the credentials the environment holds (see `env_credentials`) from now on."""
    remember(env_credentials(os.environ if environ is None else environ), min_length=MIN_ENV_SECRET_LENGTH)


def remember_module_keys(module: Any) -> None:
    """Redact keys set on a module (``litellm.api_key = ...``, ``litellm.openai_key``, ...) from now on."""
    values = []
    for name in _module_key_names(module):
        value = getattr(module, name, None)
        if isinstance(value, str):
            values.append(value)
    remember(values)


_key_names: dict[int, tuple[str, ...]] = {}


def _module_key_names(module: Any) -> tuple[str, ...]:
    names = _key_names.get(id(module))
    if names is None:
        names = _key_names[id(module)] = tuple(
            name for name in dir(module) if not name.startswith("_") and re.search(r"(?:^|_)(?:api_)?key$", name)
        )
    return names
