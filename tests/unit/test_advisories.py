"""Advisory matching: RustSec advisory-db files, OSV JSON, Cargo.lock pairs (the requirement
matcher they use: test_cargo_req.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from release_train.advisories import AdvisoryError, LockedPackage, vulnerable
from release_train.advisories.lockfile import locked_packages
from release_train.advisories.osv import read_osv_dir
from release_train.advisories.rustsec import read_advisory_db
from release_train.model.version import Version

LOCK = """\
version = 4

[[package]]
name = "app"
version = "1.0.0"
dependencies = ["smallvec", "time"]

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "00"

[[package]]
name = "time"
version = "0.1.44"
source = "sparse+https://index.crates.io/"

[[package]]
name = "gitdep"
version = "0.1.0"
source = "git+https://example.invalid/gitdep#abc"
"""


def test_lock_lists_registry_packages_only() -> None:
    assert [str(p) for p in locked_packages(LOCK)] == ["smallvec@1.6.0", "time@0.1.44"]


def test_malformed_lock_is_an_error() -> None:
    with pytest.raises(AdvisoryError, match="malformed lock file"):
        locked_packages("[[package]\n")


def write_rustsec(root: Path, crate: str, ident: str, toml: str, title: str = "A bad bug") -> None:
    directory = root / "crates" / crate
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{ident}.md").write_text(f"```toml\n{toml}\n```\n\n# {title}\n\nDetails.\n")


def advisory_toml(ident: str, crate: str, extra: str = "", versions: str = 'patched = [">= 1.6.1"]') -> str:
    return f'[advisory]\nid = "{ident}"\npackage = "{crate}"\ndate = "2021-01-01"\n{extra}\n[versions]\n{versions}\n'


def test_rustsec_db_matches_patched_and_unaffected(tmp_path: Path) -> None:
    db = tmp_path / "advisory-db"
    write_rustsec(db, "smallvec", "RUSTSEC-2021-0003", advisory_toml("RUSTSEC-2021-0003", "smallvec"))
    write_rustsec(
        db,
        "time",
        "RUSTSEC-2020-0071",
        advisory_toml(
            "RUSTSEC-2020-0071",
            "time",
            versions='patched = [">= 0.2.23"]\nunaffected = ["= 0.2.0", "= 0.2.1", "< 0.1.40"]',
        ),
        title="Potential segfault in the time crate",
    )
    write_rustsec(db, "other", "RUSTSEC-2022-0001", advisory_toml("RUSTSEC-2022-0001", "other"))
    locked = locked_packages(LOCK)
    found = vulnerable(locked, read_advisory_db(db, [p.name for p in locked]))
    assert [(i.id, i.packages, i.source) for i in found] == [
        ("RUSTSEC-2020-0071", ("time@0.1.44",), "advisory-db"),
        ("RUSTSEC-2021-0003", ("smallvec@1.6.0",), "advisory-db"),
    ]
    assert found[0].title == "Potential segfault in the time crate"
    assert found[0].url == "https://rustsec.org/advisories/RUSTSEC-2020-0071.html"

    patched = [
        LockedPackage("smallvec", Version.parse("1.6.1")),
        LockedPackage("time", Version.parse("0.1.39")),
    ]
    assert vulnerable(patched, read_advisory_db(db, ["smallvec", "time"])) == []


def test_rustsec_informational_withdrawn_and_unfixed(tmp_path: Path) -> None:
    db = tmp_path / "db"
    write_rustsec(
        db,
        "a",
        "RUSTSEC-2023-0001",
        advisory_toml("RUSTSEC-2023-0001", "a", 'informational = "unmaintained"'),
    )
    write_rustsec(
        db, "b", "RUSTSEC-2023-0002", advisory_toml("RUSTSEC-2023-0002", "b", 'withdrawn = "2023-02-01"')
    )
    write_rustsec(
        db, "c", "RUSTSEC-2023-0003", advisory_toml("RUSTSEC-2023-0003", "c", versions="patched = []")
    )
    locked = [LockedPackage(name, Version.parse("9.9.9")) for name in "abc"]
    found = vulnerable(locked, read_advisory_db(db, "abc"))
    assert [i.id for i in found] == ["RUSTSEC-2023-0003"]  # no fix yet: every version is affected


def test_rustsec_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryError, match="not a RustSec advisory-db checkout"):
        read_advisory_db(tmp_path, ["x"])
    db = tmp_path / "db"
    write_rustsec(
        db, "x", "RUSTSEC-2023-0009", advisory_toml("RUSTSEC-2023-0009", "x", versions='patched = ["soon"]')
    )
    with pytest.raises(AdvisoryError, match=r"RUSTSEC-2023-0009\.md.*'soon'"):
        read_advisory_db(db, ["x"])


def osv(ident: str, crate: str, events: list[dict[str, str]], **extra: object) -> dict[str, object]:
    return {
        "id": ident,
        "summary": f"{crate} is broken",
        "affected": [
            {
                "package": {"ecosystem": "crates.io", "name": crate},
                "ranges": [{"type": "SEMVER", "events": events}],
            }
        ],
        "references": [{"type": "ADVISORY", "url": f"https://osv.dev/{ident}"}],
        **extra,
    }


def test_osv_ranges(tmp_path: Path) -> None:
    records = [
        osv("RUSTSEC-2021-0003", "smallvec", [{"introduced": "0"}, {"fixed": "1.6.1"}]),
        osv("GHSA-last", "time", [{"introduced": "0.1.0"}, {"last_affected": "0.1.44"}]),
        osv("GHSA-later", "time", [{"introduced": "0.2.0"}, {"fixed": "0.2.23"}]),
        osv("GHSA-gone", "smallvec", [{"introduced": "0"}], withdrawn="2022-01-01T00:00:00Z"),
        osv("GHSA-info", "smallvec", [{"introduced": "0"}], database_specific={"informational": "unsound"}),
        {
            "id": "PYSEC-1",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "time"}, "versions": ["0.1.44"]}],
        },
    ]
    (tmp_path / "nested").mkdir()
    for n, record in enumerate(records):
        (tmp_path / ("nested" if n % 2 else ".") / f"{n}.json").write_text(json.dumps(record))
    found = vulnerable(locked_packages(LOCK), read_osv_dir(tmp_path))
    assert [(i.id, i.packages, i.url) for i in found] == [
        ("GHSA-last", ("time@0.1.44",), "https://osv.dev/GHSA-last"),
        ("RUSTSEC-2021-0003", ("smallvec@1.6.0",), "https://osv.dev/RUSTSEC-2021-0003"),
    ]
    later = [
        LockedPackage("time", Version.parse("0.1.45")),
        LockedPackage("smallvec", Version.parse("1.6.1")),
    ]
    assert vulnerable(later, read_osv_dir(tmp_path)) == []


def test_osv_explicit_versions_and_errors(tmp_path: Path) -> None:
    record = {
        "id": "X-1",
        "affected": [{"package": {"ecosystem": "crates.io", "name": "time"}, "versions": ["0.1.44"]}],
    }
    (tmp_path / "x.json").write_text(json.dumps(record))
    assert [i.id for i in vulnerable(locked_packages(LOCK), read_osv_dir(tmp_path))] == ["X-1"]
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(AdvisoryError, match=r"bad\.json: malformed JSON"):
        read_osv_dir(tmp_path)
    with pytest.raises(AdvisoryError, match="does not exist"):
        read_osv_dir(tmp_path / "missing")


def test_same_id_from_two_sources_counts_once(tmp_path: Path) -> None:
    db = tmp_path / "db"
    write_rustsec(db, "smallvec", "RUSTSEC-2021-0003", advisory_toml("RUSTSEC-2021-0003", "smallvec"))
    (tmp_path / "osv").mkdir()
    record = osv("RUSTSEC-2021-0003", "smallvec", [{"introduced": "0"}, {"fixed": "1.6.1"}])
    (tmp_path / "osv" / "r.json").write_text(json.dumps(record))
    locked = locked_packages(LOCK)
    both = [*read_advisory_db(db, ["smallvec"]), *read_osv_dir(tmp_path / "osv")]
    found = vulnerable(locked, both)
    assert [(i.id, i.source) for i in found] == [("RUSTSEC-2021-0003", "advisory-db")]
