"""The Python index adapter against the real pypiserver (the bundled local index): built
distributions are uploaded and listed with their sha256; a bad token (403) and a distribution
PyPI refuses (400) are `Rejected` with the index's own words; a file of the same name with other
bytes is an error; an upload cut short stores nothing. The engine over it (`release-train
publish`, kills, resume, pip installing from the index): test_pypi_publish."""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.python_dists import build_pyline, member_files, registry_for

from release_train.config import load_settings
from release_train.model.version import Version
from release_train.registries.interface import Artefact, Rejected, UploadRequest
from release_train.registries.local_pypi import PypiServer
from release_train.registries.pypi import PypiRegistry
from release_train.workspaces import load_workspace
from release_train.workspaces.interface import Package


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PypiServer]:
    with PypiServer(tmp_path / "index") as running:
        yield running


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Package], dict[str, tuple[Artefact, ...]]]:
    """The five Pyline members, built once for the module (publish order, artefacts by name)."""
    root = build_pyline(tmp_path_factory.mktemp("pyline"))
    packages = load_workspace(load_settings(root)).publish_order()
    artefacts = PypiRegistry(
        "http://127.0.0.1:9/simple/", "http://127.0.0.1:9/", None, isolation=False
    ).package(root, root / "target", packages)
    return packages, artefacts


def requests_of(built: tuple[list[Package], dict[str, tuple[Artefact, ...]]]) -> list[UploadRequest]:
    packages, artefacts = built
    return [UploadRequest(p.name, str(p.version), p.directory, artefacts[p.name]) for p in packages]


def test_build_makes_an_sdist_and_a_wheel_per_member_in_publish_order(
    built: tuple[list[Package], dict[str, tuple[Artefact, ...]]],
) -> None:
    packages, artefacts = built
    assert [p.name for p in packages] == ["pyline-e", "pyline-d", "pyline-c", "pyline-b", "pyline-a"]
    for pkg in packages:
        stem = pkg.name.replace("-", "_")
        assert [a.filename for a in artefacts[pkg.name]] == [
            f"{stem}-1.0.0.tar.gz",
            f"{stem}-1.0.0-py3-none-any.whl",
        ]
        for artefact in artefacts[pkg.name]:
            assert artefact.sha256 == hashlib.sha256(artefact.path.read_bytes()).hexdigest()


def test_upload_then_the_index_lists_every_file_with_its_sha256(
    server: PypiServer, built: tuple[list[Package], dict[str, tuple[Artefact, ...]]]
) -> None:
    registry = registry_for(server)
    first = requests_of(built)[0]
    assert registry.versions("pyline-e") == {}
    assert not registry.is_visible("pyline-e", "1.0.0")
    registry.publish(first)
    listed = registry.versions("Pyline_E")["1.0.0"]  # any spelling of the name
    assert dict(listed.files) == {a.filename: a.sha256 for a in first.files}
    assert registry.is_visible("pyline-e", "1.0.0")
    assert server.stored == [a.filename for a in first.files]
    registry.publish(first)  # the index has both files: nothing is sent again
    assert server.stored == [a.filename for a in first.files]


def test_a_bad_token_is_rejected_with_the_index_answer_and_nothing_is_stored(
    server: PypiServer, built: tuple[list[Package], dict[str, tuple[Artefact, ...]]]
) -> None:
    with pytest.raises(Rejected) as caught:
        registry_for(server, token="not-the-token").publish(requests_of(built)[0])
    assert "(403)" in caught.value.message and "Forbidden" in caught.value.message
    assert "not-the-token" not in str(caught.value) + (caught.value.hint or "")
    assert caught.value.hint and "token" in caught.value.hint
    assert server.files() == []


def test_a_distribution_pypi_refuses_is_rejected_with_its_reason(server: PypiServer, tmp_path: Path) -> None:
    root = tmp_path / "private"
    extra = 'classifiers = ["Private :: Do Not Upload"]\n'
    for path, text in member_files("pyline-private", "1.0.0", None, extra).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    registry = registry_for(server)
    pkg = Package("pyline-private", root, root / "pyproject.toml", Version.parse("1.0.0"), True, True)
    artefacts = registry.package(root, tmp_path / "target", [pkg])["pyline-private"]
    with pytest.raises(Rejected) as caught:
        registry.publish(UploadRequest("pyline-private", "1.0.0", root, artefacts))
    assert "(400)" in caught.value.message
    assert "Private :: Do Not Upload" in caught.value.reason
    assert server.files() == []


def test_a_file_of_the_same_name_with_other_bytes_is_an_error(
    server: PypiServer, built: tuple[list[Package], dict[str, tuple[Artefact, ...]]], tmp_path: Path
) -> None:
    first = requests_of(built)[0]
    registry = registry_for(server)
    registry.publish(first)
    sdist = first.files[0]
    other = tmp_path / sdist.filename
    other.write_bytes(sdist.path.read_bytes() + b"\0")  # same name, other bytes
    changed = UploadRequest(
        first.name, first.version, first.workspace, (Artefact(other, sha(other)), first.files[1])
    )
    with pytest.raises(Rejected) as caught:
        registry.publish(changed)
    assert sdist.filename in caught.value.message and "other files under these names" in caught.value.message
    assert caught.value.hint and "bump the version" in caught.value.hint
    assert server.stored == [a.filename for a in first.files]  # nothing more was sent


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_upload_cut_short_stores_nothing(
    server: PypiServer, built: tuple[list[Package], dict[str, tuple[Artefact, ...]]]
) -> None:
    """pypiserver alone stores whatever part of an upload arrived; the bundled index does not."""
    wheel = requests_of(built)[0].files[1]
    body = (
        b'--B\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n'
        b'--B\r\nContent-Disposition: form-data; name="content"; filename="'
        + wheel.filename.encode()
        + b'"\r\n\r\n'
        + wheel.path.read_bytes()
        + b"\r\n--B--\r\n"
    )
    credentials = base64.b64encode(f"__token__:{server.token}".encode()).decode()
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {credentials}\r\n"
        f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head + body[: len(body) // 2])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not server.files():
        time.sleep(0.05)
    assert server.files() == []
    registry_for(server).publish(requests_of(built)[0])  # the whole upload then goes through
    assert server.files() == sorted(a.filename for a in requests_of(built)[0].files)
