"""Holes an adversarial review found in the issue-12 fixes, each closed here and kept closed.

A. Keys in environment variables whose name has TOKEN (or JWT, ...) before its last word (``AWS_BEARER_TOKEN_BEDROCK``,
   which litellm sends as ``Authorization: Bearer``) were not redacted.
B. A credential in a header with an unrecognised name (``X-Client-Id``) was redacted nowhere and written in clear in
   the bundle's description (golden file, reports).
C. U+2028 / U+2029 in data passed `printable` raw, and the failure diff split lines on them.
D. With ``--behavior-cache=off`` a budget stop said the samples were cached.
E. An ``api_base`` with ``user:password@`` plus an api key failed the same way four times, retried as a server error.

The new API is imported inside the tests, so that on an older plugin the end-to-end tests run and fail on the hole.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.security.test_secrets import artifact_args, canary, outputs_of
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import bundle_conftest, loopback_bundle, model_bundle

pytest_plugins = ["pytester"]

# ---- A: environment variables with a secret word anywhere in the name -------------------------------------------

SECRET_ENV_NAMES = [
    "AWS_BEARER_TOKEN_BEDROCK",
    "SNOWFLAKE_JWT",
    "CIRCLE_OIDC_TOKEN_V2",
    "GITHUB_COPILOT_ACCESS_TOKEN_1",
    "AZURE_STORAGE_CONNECTION_STRING",
    "MY_DB_PWD",
    "AZURE_DEVOPS_PAT",
    "SESSION_COOKIE_VALUE",
    "VENDOR_AUTH_HEADER",
    "SIGNATURE_V4_STRING",
    "openai_bearer_value",
]


@pytest.mark.parametrize("name", SECRET_ENV_NAMES)
def test_an_env_variable_with_a_secret_word_anywhere_in_its_name_is_redacted(name: str) -> None:
    from pytest_behavior.spec.secrets import redact, remember_environment

    value = f"ABSK{uuid.uuid4().hex}"
    remember_environment({name: value})
    assert redact(f"Authorization: Bearer {value}.") == "Authorization: Bearer <redacted>."


def test_env_variables_that_hold_no_key_are_not_redacted() -> None:
    from pytest_behavior.spec.secrets import redact, remember_environment

    cwd, cert = f"/home/user/project-{uuid.uuid4().hex[:8]}", f"/etc/ssl/{uuid.uuid4().hex[:8]}/ca.pem"
    word = "developmentonly"  # a plain word under a secret name is not a key
    remember_environment(
        {
            "PWD": cwd,
            "OLDPWD": cwd,
            "SSL_CERT_FILE": cert,
            "TOKENIZERS_PARALLELISM": "false",
            "HF_HUB_DISABLE_TOKEN": "1",
            "APP_SECRET_TOKEN_MODE": word,
        }
    )
    text = f"{cwd} {cert} false 1 {word}"
    assert redact(text) == text


def test_parameter_names_keep_max_tokens_as_behavior_and_treat_jwt_and_bearer_as_secret() -> None:
    from pytest_behavior import Bundle
    from pytest_behavior.spec.secrets import is_secret_name

    for name in ("max_tokens", "max_completion_tokens", "max_tokens_per_call", "tokenizer", "top_k", "keywords"):
        assert not is_secret_name(name), name
    for name in ("client_jwt", "jwt", "bearer", "bearer_value", "api_key", "azure_ad_token"):
        assert is_secret_name(name), name
    assert Bundle(model="openai/x", max_tokens=16).fingerprint != Bundle(model="openai/x").fingerprint


BEDROCK_CONFTEST = bundle_conftest(
    model_bundle(
        "bedrock/anthropic.claude-3-haiku-20240307-v1:0",
        source=', api_base=os.environ["PB_URL"]',
        aws_region_name="us-east-1",
        label="bedrock",
        timeout=120,
    )
)

SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rate=0.2)
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(4)])
"""


def assert_nowhere(key: str, roots: list[Path], results: list[pytest.RunResult]) -> None:
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"
    for number, result in enumerate(results, 1):
        assert key not in outputs_of(result), f"the key leaked into the output of run {number}"


def test_a_bedrock_bearer_token_from_the_environment_echoed_by_the_provider_is_redacted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = "ABSK" + canary("bedrock")
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(BEDROCK_CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(artifacts / "github-summary.md"))
    with running_server(ServerConfig(echo=True, script=["401"] * 100)) as server:
        monkeypatch.setenv("PB_URL", server.url)
        result = pytester.runpytest("--behavior-update", *artifact_args(artifacts, "bedrock"))
    result.assert_outcomes(errors=1)
    assert any(h.get("authorization") == f"Bearer {key}" for h in server.stats.headers), (
        "litellm must send the token to the provider"
    )
    out = outputs_of(result)
    assert "Incorrect API key provided" in out and "<redacted>" in out
    assert_nowhere(key, [pytester.path, tmp_path], [result])


# ---- B: headers with unrecognised names -------------------------------------------------------------------------


def test_every_header_value_but_the_public_ones_is_redacted_and_digested() -> None:
    from pytest_behavior import Bundle
    from pytest_behavior.spec.secrets import Secret, conceal, redact, remember_params

    key, beta = canary("x-client-id"), f"tools-{uuid.uuid4().hex[:12]}"
    params = {
        "extra_headers": {"X-Client-Id": key, "anthropic-beta": beta, "X-Env": "production"},
        "extra_body": {"headers": {"X-Upstream-Key-Id": f"k-{key}"}},
    }
    remember_params(params)
    assert redact(f"you sent {key}") == "you sent <redacted>"
    assert redact(f"upstream k-{key}") == "upstream <redacted>"
    kept = f"{beta} in production"  # a public header, and a plain word in an unknown header, stay readable
    assert redact(kept) == kept
    concealed = conceal(params)
    assert isinstance(concealed["extra_headers"]["X-Client-Id"], Secret)
    assert concealed["extra_headers"]["anthropic-beta"] == beta

    bundle = Bundle(model="openai/x", **params)
    described = json.dumps(bundle.describe())
    assert key not in described and beta in described
    assert bundle.describe()["params"]["extra_headers"]["X-Client-Id"].startswith("<redacted sha256:")
    other_key = Bundle(model="openai/x", **{**params, "extra_headers": {**params["extra_headers"], "X-Client-Id": "x"}})
    assert other_key.fingerprint != bundle.fingerprint, "a changed header is a changed bundle"


UNNAMED_HEADER_CONFTEST = bundle_conftest(
    loopback_bundle(
        env="PB_URL",
        source=', extra_headers={"X-Client-Id": os.environ["PB_CANARY"]}',
        api_key="placeholder-not-the-key",
        label="loop",
    )
)


def test_a_key_in_a_header_with_an_unrecognised_name_echoed_by_the_provider_reaches_no_artifact(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = canary("unnamed-header")
    monkeypatch.setenv("PB_CANARY", key)  # the variable's name does not look secret: only the header makes it one
    pytester.makeconftest(UNNAMED_HEADER_CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(artifacts / "github-summary.md"))
    results = []
    with running_server(ServerConfig(echo=True, echo_in_answer=True)) as server:
        monkeypatch.setenv("PB_URL", server.url)
        recorded = pytester.runpytest("--behavior-update", *artifact_args(artifacts, "update"))
        recorded.assert_outcomes(passed=1)
        results.append(recorded)
        server.config.script[:] = ["401"] * 10
        failed = pytester.runpytest(
            "--behavior-baseline", "--behavior-cache=refresh", *artifact_args(artifacts, "error")
        )
        failed.assert_outcomes(errors=1)
        results.append(failed)
    assert any(h.get("x-client-id") == key for h in server.stats.headers), "the key must still reach the provider"
    golden = [p for p in pytester.path.rglob("*.json") if "golden" in p.parts]
    assert golden and "You sent me" in golden[0].read_text(), "the echoing answers should be recorded"
    assert list(artifacts.rglob("*.sqlite3")), "the answers should be cached"
    assert "<redacted>" in outputs_of(failed)
    assert_nowhere(key, [pytester.path, tmp_path], results)


# ---- C: line and paragraph separators ---------------------------------------------------------------------------


def test_printable_escapes_every_character_splitlines_breaks_on_but_newline() -> None:
    from pytest_behavior.sanitize import printable

    for char in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\r":
        for newlines in (True, False):
            assert len(printable(f"a{char}b", newlines=newlines).splitlines()) == 1, (repr(char), newlines)
    assert printable("a\u2028b\u2029c") == r"a\u2028b\u2029c"
    assert printable("a\nb") == "a\nb" and printable("a\nb", newlines=False) == r"a\nb"


SEPARATOR_CONFTEST = bundle_conftest(
    'Bundle.from_callable(lambda v: json.dumps({"answer": "ok", "evil\\u2028FORGED 1 passed\\u2029FORGED TOO": 1}, '
    'ensure_ascii=False), label="v2", version="1")',
    baseline='Bundle.from_callable(lambda v: json.dumps({"answer": "ok"}), label="v1", version="1")',
    header="import json",
)

SEPARATOR_SPEC = """
import pytest

@pytest.mark.schema_stability(schema=None, max_key_change_increase=0.1)
def test_keys(behavior):
    behavior.sample([f"question {i}" for i in range(20)])
"""


def test_a_line_separator_in_a_json_key_does_not_start_a_line_in_the_failure_diff(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SEPARATOR_CONFTEST)
    pytester.makepyfile(test_keys=SEPARATOR_SPEC)
    result = pytester.runpytest(
        "--behavior-baseline=live", "-p", "no:cacheprovider", "--color=no", "--behavior-run-dir=runs"
    )
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert r"evil\u2028FORGED 1 passed\u2029FORGED TOO" in out, "the key should show, escaped"
    assert "\u2028" not in out and "\u2029" not in out
    assert not [line for line in out.split("\n") if line.startswith("FORGED")]
    for diff_file in (pytester.path / "runs").glob("*/*.md"):
        text = diff_file.read_text(encoding="utf-8")
        assert "\u2028" not in text and "\u2029" not in text


# ---- D: the budget message with the cache off --------------------------------------------------------------------

BUDGET_CONFTEST = bundle_conftest(model_bundle("sim/bot?seed=1", label="sim"))

BUDGET_SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rate=0.5)
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(60)])
"""


@pytest.mark.parametrize("cache", ["off", "use"])
def test_a_budget_stop_says_what_a_re_run_requests_as_the_cache_mode_makes_it(
    cache: str, pytester: pytest.Pytester
) -> None:
    pytester.makeconftest(BUDGET_CONFTEST)
    pytester.makepyfile(test_spec=BUDGET_SPEC)
    result = pytester.runpytest(
        "--behavior-update", "--behavior-budget=calls:20", f"--behavior-cache={cache}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "golden file not written" in out
    if cache == "off":
        assert "cached" not in out and "requests only the rest" not in out
        result.stdout.fnmatch_lines(
            ["*the cache is off (--behavior-cache=off), so a re-run requests every sample again*"]
        )
    else:
        result.stdout.fnmatch_lines(
            ["*the samples that arrived are cached, so a re-run with a larger budget requests only the rest*"]
        )


# ---- E: credentials in the api_base's userinfo and an api key ---------------------------------------------------

USERINFO_CONFTEST = bundle_conftest(
    model_bundle(
        "openai/loopback-model",
        api_key="fake-credential-placeholder",
        label="proxied",
        timeout=120,
        source=(
            ', api_base=os.environ["PB_URL"].replace("http://", "http://proxyuser:" + os.environ["PB_CANARY"] + "@")'
        ),
    )
)
"""The loopback server's URL with ``proxyuser:<the canary>@`` in it."""


def test_an_api_base_with_a_password_and_an_api_key_is_a_config_error_not_retried(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = canary("userinfo")
    monkeypatch.setenv("PB_CANARY", key)
    pytester.makeconftest(USERINFO_CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    with running_server(ServerConfig()) as server:
        monkeypatch.setenv("PB_URL", server.url)
        result = pytester.runpytest(
            "--behavior-update", "-p", "no:cacheprovider", "-p", "no:randomly", "--log-level=DEBUG"
        )
    result.assert_outcomes(errors=1)
    out = outputs_of(result)
    result.stdout.fnmatch_lines(
        [
            f"*BehaviorConfigError: bundle 'proxied': its api_base "
            f"'http://127.0.0.1:{server.port}/v1' (shown without its credentials) carries a "
            "user name and password, and the request also has an Authorization header*"
        ]
    )
    assert "retrying" not in out and "InternalServerError" not in out
    assert key not in out
