"""Reading a Python package index: the simple API, as pip reads it.

The JSON form (PEP 691) is asked for first; an index that serves only HTML (PEP 503, pypiserver)
answers with that, and both are read here into the same `PublishedVersion`s: one per version,
with every file the index lists for it and the sha256 its link carries (PEP 503's `#sha256=`
fragment, PEP 691's `hashes`). Versions come from the file names (wheel and sdist names, PEP 427
and PEP 625), normalised as PEP 440 spells them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

from release_train.registries.interface import PublishedVersion

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


class IndexFile:
    """One file of a project's page: its name, sha256 ("" when the index gives none) and whether
    it is yanked (PEP 592)."""

    __slots__ = ("filename", "sha256", "yanked")

    def __init__(self, filename: str, sha256: str, yanked: bool) -> None:
        self.filename, self.sha256, self.yanked = filename, sha256, yanked


def project_files(content_type: str, body: str) -> list[IndexFile]:
    """The files of a project page, JSON (PEP 691) or HTML (PEP 503) by its content type."""
    if content_type.split(";", 1)[0].strip() == JSON_TYPE:
        return _from_json(body)
    return _from_html(body)


def _from_json(body: str) -> list[IndexFile]:
    data: dict[str, Any] = json.loads(body)
    found = []
    for entry in data.get("files", []):
        hashes = entry.get("hashes") or {}
        found.append(
            IndexFile(str(entry["filename"]), str(hashes.get("sha256", "")), bool(entry.get("yanked")))
        )
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[IndexFile] = []
        self._open: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            values = dict(attrs)
            self._open = (values.get("href") or "", "data-yanked" in values)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._open is None:
            return
        href, yanked = self._open
        self._open = None
        url = urlsplit(href)
        filename = "".join(self._text).strip() or unquote(url.path.rsplit("/", 1)[-1])
        algorithm, _, digest = url.fragment.partition("=")
        self.files.append(IndexFile(filename, digest if algorithm == "sha256" else "", yanked))


def _from_html(body: str) -> list[IndexFile]:
    parser = _Links()
    parser.feed(body)
    parser.close()
    return parser.files


def versions_of(project: str, files: Iterable[IndexFile]) -> dict[str, PublishedVersion]:
    """The versions the files make, by PEP 440 version text; a version is yanked when each of its
    files is, and partial without both an sdist and a wheel (what a publish uploads). Files whose
    name is not a distribution's of `project` are left out."""
    from packaging.utils import canonicalize_name

    wanted = canonicalize_name(project)
    grouped: dict[str, list[IndexFile]] = {}
    for item in files:
        parsed = distribution_name(item.filename)
        if parsed is not None and parsed[0] == wanted:
            grouped.setdefault(parsed[1], []).append(item)
    return {
        version: PublishedVersion(
            project,
            version,
            "",
            all(f.yanked for f in items),
            {f.filename: f.sha256 for f in items},
            partial=len({f.filename.endswith(".whl") for f in items}) < 2,  # an sdist and a wheel
        )
        for version, items in grouped.items()
    }


def distribution_name(filename: str) -> tuple[str, str] | None:
    """(normalised project name, PEP 440 version) of a wheel or sdist file name, else None."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), str(version)
