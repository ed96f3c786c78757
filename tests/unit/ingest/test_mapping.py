from __future__ import annotations

from pathlib import Path

import pytest

from persona360.errors import MappingError
from persona360.ingest.importers.mapping import parse_mapping


def test_flags_and_file_combine_flags_winning(tmp_path: Path) -> None:
    file = tmp_path / "map.toml"
    file.write_text('[columns]\nemail = "email"\nphone = "trait:phone_raw"\n')
    mapping = parse_mapping(["phone=phone", "customer_id=id:shop"], file)
    assert mapping.roles == {"email": "email", "phone": "phone", "customer_id": "id:shop"}
    assert mapping.role_of("unmapped") == "prop:unmapped"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["email"], "must look like COLUMN=ROLE"),
        (["=email"], "must look like COLUMN=ROLE"),
        (["mail=e-mail"], "column 'mail' has unknown role 'e-mail'"),
        (["x=id:"], "unknown role"),
        (["x=id:Shop Name"], "unknown identifier kind"),
        (["a=timestamp", "b=timestamp"], "role 'timestamp' is given to several columns"),
    ],
)
def test_bad_mappings_are_refused_with_the_reason(flags: list[str], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        parse_mapping(flags)


@pytest.mark.parametrize(
    ("content", "message"),
    [("columns = [1, 2]", "must hold a \\[columns\\] table"), ("[columns\n", "not valid TOML")],
)
def test_bad_mapping_files(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "map.toml"
    file.write_text(content)
    with pytest.raises(MappingError, match=message):
        parse_mapping([], file)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="does not exist"):
        parse_mapping([], tmp_path / "nope.toml")


def test_mapping_naming_absent_columns() -> None:
    mapping = parse_mapping(["mail=email"])
    with pytest.raises(MappingError, match="does not have; its columns are email, name"):
        mapping.check_columns(["email", "name"])
