"""Which names carry credentials: parameters, environment variables and HTTP headers."""

from __future__ import annotations

import re

_SECRET_NAME = re.compile(
    r"(api[_-]?key|(?:^|[_-])key$|secret|token$|password|passwd|credential|authorization|auth(?!or)|cookie|"
    r"private[_-]?key|access[_-]?key|session[_-]?key|signature|jwt|bearer)",
    re.IGNORECASE,
)
_SECRET_ENV_WORDS = frozenset(
    {
        "KEY",
        "KEYS",
        "APIKEY",
        "TOKEN",
        "SECRET",
        "SECRETS",
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PWD",
        "PASSPHRASE",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "AUTH",
        "JWT",
        "BEARER",
        "COOKIE",
        "COOKIES",
        "SIGNATURE",
        "SAS",
        "PAT",
    }
)
"""Words that make an environment variable's name secret wherever they stand in it (``AWS_BEARER_TOKEN_BEDROCK``,
``SNOWFLAKE_JWT``, ``CIRCLE_OIDC_TOKEN_V2``). Not CERT: a certificate (``SSL_CERT_FILE``) is public; the key that
goes with it has KEY in its name."""
_SECRET_ENV_PHRASES = (("CONN", "STRING"), ("CONNECTION", "STRING"))
"""Consecutive words that make one secret (``AZURE_STORAGE_CONNECTION_STRING`` holds an ``AccountKey=``)."""
_PUBLIC_ENV_NAMES = frozenset({"PWD", "OLDPWD"})
"""Secret-looking names that are not: the shell's working directories."""
PUBLIC_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-type",
        "user-agent",
        "referer",
        "http-referer",
        "x-title",
        "openai-beta",
        "anthropic-version",
        "anthropic-beta",
    }
)
"""HTTP headers known to carry no credential: kept in clear in a bundle's description and not redacted from text.
Every other header (``X-Client-Id``, ``api-key``, a proxy's own) may carry one, whatever its name: its value is
redacted from text (when it looks like a key, see `secrets._looks_like_a_key`) and described by a digest. Account ids
(``OpenAI-Organization``, ``OpenAI-Project``) are not in the list: they are not keys, but not public either."""


def is_secret_name(name: str) -> bool:
    """True for parameter or header names that carry credentials (``api_key``, ``Authorization``, ...).

    "token" counts only at the end of a name (``azure_ad_token``, ``HF_TOKEN``): ``max_tokens`` is a behavior
    parameter, and a fingerprint without it would serve a cached short answer to a bundle that asks for long ones.
    """
    return bool(_SECRET_NAME.search(name))


def is_secret_env_name(name: str) -> bool:
    """True for environment variables that may hold a credential: `is_secret_name`, or a secret word anywhere
    among the name's words (``AWS_BEARER_TOKEN_BEDROCK``), which `is_secret_name` cannot allow for parameters
    (``max_tokens_per_call`` is behavior). `env_credentials` still keeps only values that look like keys, so
    ``TOKENIZERS_PARALLELISM=false`` or ``HF_HUB_DISABLE_TOKEN=1`` redact nothing."""
    if name.upper() in _PUBLIC_ENV_NAMES:
        return False
    if is_secret_name(name):
        return True
    words = [word for word in re.split(r"[^A-Z0-9]+", name.upper()) if word]
    if _SECRET_ENV_WORDS.intersection(words):
        return True
    return any(tuple(words[i : i + 2]) in _SECRET_ENV_PHRASES for i in range(len(words) - 1))


def is_headers_name(name: str) -> bool:
    """True for a parameter holding HTTP headers (``extra_headers``, ``headers``, ``default_headers``)."""
    return name.lower().endswith("headers")


def is_public_header(name: str) -> bool:
    """True for a header in `PUBLIC_HEADERS` (case and ``_``/``-`` insensitive)."""
    return name.strip().lower().replace("_", "-") in PUBLIC_HEADERS
