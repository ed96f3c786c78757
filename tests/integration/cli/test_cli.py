"""The command line as a user runs it: a real process against a real workspace file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "persona360"


def run(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERSONA360_DB": str(db), "COLUMNS": "160"}
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.duckdb"
    run(path, "init")
    return path


def test_init_sources_tokens(db: Path) -> None:
    source = json.loads(run(db, "sources", "add", "shop-web", "--json").stdout)
    assert source["name"] == "shop-web" and source["write_key"].startswith("wk_")
    token = json.loads(run(db, "tokens", "create", "--scope", "admin", "--json").stdout)
    assert token["token"].startswith("p360_")
    plain = run(db, "tokens", "create", "--scope", "profiles:read").stdout.strip().splitlines()
    assert plain[-1].startswith("p360_")
    listed = json.loads(run(db, "tokens", "list", "--json").stdout)
    assert [t["scopes"] for t in listed] == [["admin"], ["profiles:read"]]
    assert "p360_" not in run(db, "tokens", "list", "--json").stdout


def test_import_show_export_merge_unmerge_rebuild(db: Path, tmp_path: Path) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_text("email,name,phone\njane.doe@gmail.com,Jane Doe,067 123 45 67\njohn@roe.org,John Roe,\n,Nobody,\n")
    report = json.loads(
        run(
            db,
            "import",
            str(csv),
            "--source",
            "email",
            "--kind",
            "customers",
            "--map",
            "email=email",
            "--map",
            "name=trait:name",
            "--map",
            "phone=phone",
            "--json",
        ).stdout
    )
    assert (report["stored"], report["rejected"]) == (2, 1)
    panel = run(db, "profile", "show", "jane.doe@gmail.com").stdout
    assert "Jane Doe" in panel and "phone:+380671234567" in panel
    shown = json.loads(run(db, "profiles", "show", "phone:+380671234567", "--json").stdout)
    assert shown["traits"]["name"]["value"] == "Jane Doe"
    lines = run(db, "profiles", "export", "--json").stdout.strip().splitlines()
    exported = [json.loads(line) for line in lines]
    assert len(exported) == 2
    assert {i["kind"] for p in exported for i in p["identifiers"]} == {"email", "phone"}
    merged = json.loads(run(db, "merge", "email:jane.doe@gmail.com", "email:john@roe.org", "--json").stdout)
    assert len(run(db, "profiles", "export").stdout.strip().splitlines()) == 1
    split = json.loads(run(db, "unmerge", str(merged["profile_id"]), "email:john@roe.org", "--json").stdout)
    assert len(set(split["profiles"])) == 2
    rebuilt = json.loads(run(db, "rebuild", "--json").stdout)
    assert rebuilt == {"events": 4, "profiles": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "x.csv", "--source", "s", "--kind", "people", "--map", "a=email"], "--kind 'people' is not one of"),
        (["import", "x.csv", "--source", "s", "--kind", "customers", "--map", "a=mail"], "unknown role 'mail'"),
        (["import", "missing.csv", "--source", "s", "--kind", "customers", "--map", "a=email"], "does not exist"),
        (["profile", "show", "nobody@x.org"], "no profile holds email"),
        (["tokens", "create", "--scope", "root"], "unknown scope(s) root"),
        (["sources", "add", "bad name!"], "must be 1-64 letters"),
        (["merge", "jane", "bob"], "cannot tell who 'jane' is: write profile:ID (profile:42), KIND:VALUE"),
    ],
)
def test_bad_commands_say_what_is_wrong(db: Path, args: list[str], message: str) -> None:
    done = run(db, *args, ok=False)
    assert done.returncode != 0
    assert message in " ".join(done.stderr.split())


def test_a_missing_workspace_says_how_to_create_one(tmp_path: Path) -> None:
    done = run(tmp_path / "none.duckdb", "profiles", "list", ok=False)
    assert "persona360 init" in " ".join(done.stderr.split())


def test_a_computed_trait_over_a_property_never_seen_prints_a_warning(db: Path, tmp_path: Path) -> None:
    csv = tmp_path / "orders.csv"
    csv.write_text("user_id,event,timestamp,order_id\nu1,Order Completed,2026-11-01T10:00:00Z,o-1\n")
    mapping = ["--map", "user_id=user_id", "--map", "event=event", "--map", "timestamp=timestamp"]
    run(db, "import", str(csv), "--source", "shop", "--kind", "events", *mapping)
    shown = run(db, "traits", "define", "favorite_brand", 'most_frequent("Order Completed", brand)').stdout
    assert "set on 0 profiles" in shown
    assert "Warning: no 'Order Completed' event has a 'brand' property (they have: order_id)" in shown
    fine = run(db, "traits", "define", "last_order", 'last("Order Completed", order_id)').stdout
    assert "set on 1 profiles" in fine and "Warning" not in fine


def test_the_script_ends_with_the_commands_status_and_all_of_its_output(db: Path, tmp_path: Path) -> None:
    """The script skips the interpreter's teardown once a command returned (cli.main): nothing may be lost."""
    for name in ("shop-000", "shop-100", "shop-200"):
        run(db, "sources", "add", name)
    listed = json.loads(run(db, "sources", "list", "--json").stdout)
    assert [s["name"] for s in listed if s["name"].startswith("shop-")] == ["shop-000", "shop-100", "shop-200"]
    profiles = run(db, "profiles", "export", "--json")
    assert profiles.returncode == 0 and profiles.stdout == ""
    missing = run(tmp_path / "none.duckdb", "profiles", "export", "--json", ok=False)
    assert missing.returncode == 1 and "no workspace at" in missing.stderr
    assert run(db, "no-such-command", ok=False).returncode == 2
