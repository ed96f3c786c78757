"""Remote providers declared in ``PERSONA360_ENRICH_PROVIDERS_FILE``, used by name from the CLI."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from integration.enrichment.json_service import json_service
from persona360 import Workspace
from persona360.cli import app
from persona360.enrichment.registry import make_provider, provider_names
from persona360.errors import ConfigError
from persona360.settings import load_settings


@pytest.fixture
def service() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        headers = request.headers
        seen.append({"path": request.path, "auth": headers.get("Authorization"), "key": headers.get("X-Key")})
        return 200, {"person": {"employment": {"name": "Acme"}, "gender": "female"}}

    with json_service(answer) as url:
        yield f"{url}/v2/find", seen


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "providers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_enriches_with_a_provider_of_the_file(
    tmp_path: Path, service: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = service
    providers = _file(
        tmp_path,
        f"""
[acme]
url = "{url}"
inputs = {{ email = "email" }}
fields = {{ "person.employment.name" = "company", "person.gender" = "gender" }}
confidence = 0.6
[acme.auth]
type = "bearer"
token_env = "ACME_TOKEN"
""",
    )
    monkeypatch.setenv("ACME_TOKEN", "t0ken")
    monkeypatch.setenv("PERSONA360_ENRICH_PROVIDERS_FILE", str(providers))
    db = tmp_path / "ws.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "Olena@Acme.com"}}])
        ws.privacy.grant(ws.profiles.find("user_id", "u1"), "enrichment")
        ws.ingest.send("shop", [{"type": "identify", "userId": "u2", "traits": {"email": "taras@acme.com"}}])
        assert "acme" in ws.enrichment.providers()

    result = CliRunner().invoke(app, ["--db", str(db), "enrich", "--provider", "acme", "--json"])

    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["by_trait"] == {"company": 1, "gender": 1}
    # only the person who allowed enrichment was asked about, with the secret from the environment
    assert seen == [{"path": "/v2/find?email=olena%40acme.com", "auth": "Bearer t0ken", "key": None}]
    with Workspace.open(db) as ws:
        traits = ws.profiles.get(ws.profiles.find("user_id", "u1"), now=ws.clock.now())["traits"]
    assert traits["company"]["value"] == "Acme"
    assert traits["company"]["source"] == "enrich.acme"
    assert traits["company"]["inferred"] is True


def test_basic_and_header_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    providers = _file(
        tmp_path,
        """
[basic-one]
url = "http://127.0.0.1:9/x"
inputs = { phone = "phone" }
fields = { "a" = "b" }
auth = { type = "basic", user = "shop", password_env = "P1" }
[header_one]
url = "http://127.0.0.1:9/x"
inputs = { q = "ip" }
fields = { "a" = "b" }
auth = { type = "header", name = "X-Key", value_env = "K1" }
""",
    )
    monkeypatch.setenv("P1", "pw")
    monkeypatch.setenv("K1", "k")
    settings = load_settings(enrich_providers_file=providers)
    assert provider_names(settings)[-2:] == ["basic-one", "header_one"]
    basic = make_provider("basic-one", settings)
    assert basic._client.headers["Authorization"] == "Basic " + base64.b64encode(b"shop:pw").decode()  # type: ignore[attr-defined]
    header = make_provider("header_one", settings)
    assert header._client.headers["X-Key"] == "k"  # type: ignore[attr-defined]
    assert header.reads_events is True  # it sends an IP


GOOD = '[acme]\nurl = "http://x"\ninputs = {e="email"}\nfields = {a="b"}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[acme\nurl=1", "is not valid TOML"),
        ('[ip]\nurl = "http://x"\ninputs = {e="email"}\nfields = {a="b"}', "'ip' is a built-in provider's"),
        ('["Bad Name"]\nurl = "http://x"', "must be lower-case letters"),
        ('[acme]\nurl = "ftp://x"\ninputs = {e="email"}\nfields = {a="b"}', r"\[acme\] url: String should match"),
        ('[acme]\nurl = "http://x"\nfields = {a="b"}', r"\[acme\] inputs: Field required"),
        ('[acme]\nurl = "http://x"\ninputs = {e="email"}\nfields = {}', r"\[acme\] fields: Dictionary should have"),
        (GOOD + "\nratelimit = 3", r"\[acme\] ratelimit: Extra"),
        (GOOD + '\nauth = {type="oauth"}', r"\[acme\] auth"),
        (GOOD + "\nconfidence = 2", r"\[acme\] confidence"),
        ("acme = 3", r"\[acme\] must be a table"),
    ],
)
def test_bad_providers_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    settings = load_settings(enrich_providers_file=_file(tmp_path, text))
    with pytest.raises(ConfigError, match=message):
        provider_names(settings)


def test_missing_file_and_missing_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        provider_names(load_settings(enrich_providers_file=tmp_path / "nope.toml"))
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    providers = _file(
        tmp_path,
        GOOD + '\nauth = {type="bearer", token_env="NO_SUCH_TOKEN"}',
    )
    with pytest.raises(ConfigError, match="needs the environment variable NO_SUCH_TOKEN"):
        make_provider("acme", load_settings(enrich_providers_file=providers))


def test_cli_names_a_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA360_ENRICH_PROVIDERS_FILE", str(_file(tmp_path, "[acme\n")))
    db = tmp_path / "ws.duckdb"
    Workspace.open(db).close()
    result = CliRunner().invoke(app, ["--db", str(db), "enrich", "--provider", "acme"])
    assert result.exit_code != 0
    assert "is not valid TOML" in " ".join(result.output.split())
