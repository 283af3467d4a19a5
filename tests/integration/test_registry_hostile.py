"""The local registry under the attacks of issue 10, each reproduced against a real server: bodies
of unbounded length, floods of connections, half-open and slow clients, non-ASCII digits,
malformed metadata, corrupt data files. Memory and threads are read from the server process's
`/proc/<pid>/status` (`registry serve` runs as a child process, as a user runs it)."""

from __future__ import annotations

import contextlib
import http.client
import json
import resource
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.fixtures.crates import fake_crate, publish_metadata
from tests.fixtures.serving import banner, value_of

from release_train.registries.local_cargo import RegistryServer
from release_train.registries.local_cargo.httpd import Tuning
from release_train.registries.local_cargo.index import encode_publish_body

TOKEN = "hostile-test-token"
MiB = 1024 * 1024


@dataclass
class Served:
    """`registry serve` running as a child process."""

    process: subprocess.Popen[str]
    url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def status(self, key: str) -> int:
        """A figure of /proc/<pid>/status (`VmHWM` and `VmRSS` in KiB, `Threads`)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == key:
                return int(value.split()[0])
        raise KeyError(key)

    def open_files(self) -> int:
        return len(list(Path(f"/proc/{self.process.pid}/fd").iterdir()))


def _raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} open files, the hard limit here is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _raise_file_limit(8192)  # the test's own client sockets
    data = tmp_path_factory.mktemp("hostile") / "registry"
    command = [sys.executable, "-m", "release_train", "registry", "serve", "--dir", str(data)]
    command += ["--port", "0", "--token", TOKEN]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        url = value_of(banner(child), "api:")
        served = Served(child, url)
        body = encode_publish_body(publish_metadata("alpha", "0.1.0"), fake_crate("alpha", "0.1.0"))
        put = httpx.put(f"{url}/api/v1/crates/new", content=body, headers={"Authorization": TOKEN})
        assert put.status_code == 200, put.text
        yield served
        child.send_signal(signal.SIGINT)
        child.wait(timeout=20)


def _response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, object]] | None:
    """The status and JSON body of the answer on `sock`, or None when none came in time."""
    sock.settimeout(timeout)
    answer = http.client.HTTPResponse(sock)
    try:
        answer.begin()
        return answer.status, json.loads(answer.read())
    except (TimeoutError, http.client.HTTPException, OSError):
        return None


def _attack(port: int, head: str, *, payload: int) -> tuple[int, dict[str, object]] | None:
    """Send `head`, wait briefly for an answer given before any body byte was sent; then stream
    `payload` bytes anyway (as the attacker would) and return that early answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        early = _response(sock, timeout=3.0)
        chunk = b"x" * MiB
        try:
            for _ in range(payload // MiB):
                sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server closed the connection: the rest is never read
        return early


def _is_crates_io_error(body: object) -> bool:
    if not isinstance(body, dict):
        return False
    errors = body.get("errors")
    return isinstance(errors, list) and bool(errors) and isinstance(errors[0].get("detail"), str)


@pytest.mark.parametrize(
    ("token", "length", "status"),
    [
        (None, "-1", 403),
        (None, str(2**40), 403),
        ("wrong-token", "-1", 403),
        (TOKEN, "-1", 400),
        (TOKEN, str(2**40), 413),
        (TOKEN, "1e9", 400),
        (TOKEN, "\u0661\u0660", 400),  # Arabic-Indic digits are not a length either
        (TOKEN, None, 411),
    ],
)
def test_an_unbounded_body_is_refused_before_it_is_read_and_memory_stays_flat(
    served: Served, token: str | None, length: str | None, status: int
) -> None:
    head = "PUT /api/v1/crates/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"Authorization: {token}\r\n" if token else ""
    head += f"Content-Length: {length}\r\n" if length is not None else ""
    peak_before = served.status("VmHWM")
    answer = _attack(served.port, head + "\r\n", payload=64 * MiB)
    assert answer is not None, "no answer before the body: the server is reading it"
    assert answer[0] == status
    assert _is_crates_io_error(answer[1])
    # 64 MiB went at the server; its peak memory must not have moved by more than noise.
    assert served.status("VmHWM") - peak_before < 8 * 1024, "KiB"


def _concurrent_gets(port: int, path: str, count: int, seconds: float) -> list[int]:
    """Open `count` connections at once, each asking for `path`; the statuses (0: no answer)."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    selector = selectors.DefaultSelector()
    received: dict[int, bytearray] = {}
    statuses = [0] * count
    for number in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        selector.register(sock, selectors.EVENT_WRITE, number)
        received[number] = bytearray()
    deadline = time.monotonic() + seconds
    while selector.get_map() and time.monotonic() < deadline:
        for key, events in selector.select(timeout=0.2):
            conn, number = key.fileobj, key.data
            assert isinstance(conn, socket.socket)
            try:
                if events & selectors.EVENT_WRITE:
                    conn.send(request)
                    selector.modify(conn, selectors.EVENT_READ, number)
                    continue
                chunk = conn.recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                received[number] += chunk
                continue
            selector.unregister(conn)
            conn.close()
            head = bytes(received[number]).split(b"\r\n", 1)[0].split()
            statuses[number] = int(head[1]) if len(head) > 1 else 0
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    return statuses


def test_two_thousand_concurrent_index_requests_are_all_answered(served: Served) -> None:
    statuses = _concurrent_gets(served.port, "/index/al/ph/alpha", 2000, seconds=60)
    assert statuses.count(200) == 2000, {s: statuses.count(s) for s in set(statuses)}


def test_half_open_and_slow_connections_hold_no_threads_and_others_are_served(served: Served) -> None:
    threads_before = served.status("Threads")
    files_before = served.open_files()
    half_open = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(1500)]
    slow = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(200)]
    try:
        for sock in slow:  # a head that never ends (slowloris)
            sock.sendall(b"GET /index/al/ph/alpha HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Wait: ")
        deadline = time.monotonic() + 20
        while served.open_files() < files_before + 1700 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served.open_files() >= files_before + 1700, "the server did not accept them all"
        # 1,700 connections are open; the server runs on its fixed pool of workers.
        assert served.status("Threads") <= max(threads_before, 1) + 20
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{served.url}/index/al/ph/alpha").status_code == 200
            body = encode_publish_body(publish_metadata("beta", "0.1.0"), fake_crate("beta", "0.1.0"))
            put = client.put(
                f"{served.url}/api/v1/crates/new", content=body, headers={"Authorization": TOKEN}
            )
            assert put.status_code == 200, put.text
        assert served.status("Threads") <= max(threads_before, 1) + 20
    finally:
        for sock in half_open + slow:
            sock.close()


def test_idle_and_slow_clients_are_disconnected_after_their_timeouts(tmp_path: Path) -> None:
    tuning = Tuning(workers=2, head_timeout=0.4, idle_timeout=0.6, request_timeout=0.5)
    with RegistryServer(tmp_path / "data", token=TOKEN, tuning=tuning) as server:
        port = int(server.url.rsplit(":", 1)[1])
        idle = socket.create_connection(("127.0.0.1", port))
        trickle = socket.create_connection(("127.0.0.1", port))
        body = socket.create_connection(("127.0.0.1", port))
        body.sendall(
            f"PUT /api/v1/crates/new HTTP/1.1\r\nAuthorization: {TOKEN}\r\nContent-Length: 1000\r\n\r\n".encode()
        )
        start = time.monotonic()
        closed: dict[str, float] = {}
        for sock in (idle, trickle, body):
            sock.setblocking(False)
        while len(closed) < 3 and time.monotonic() - start < 5:
            with contextlib.suppress(OSError):
                trickle.send(b"X")  # a byte of a head that never ends, every 50 ms
            for name, sock in (("idle", idle), ("trickle", trickle), ("body", body)):
                if name not in closed and _closed_by_peer(sock):
                    closed[name] = time.monotonic() - start
            time.sleep(0.05)
        assert set(closed) == {"idle", "trickle", "body"}, closed
        assert 0.4 <= closed["idle"] < 0.6 + 1.0
        assert 0.3 <= closed["trickle"] < 0.4 + 1.0
        assert closed["body"] < 0.5 + 1.0
        # Meanwhile and afterwards, the two workers serve everyone else.
        assert httpx.get(f"{server.url}/index/config.json").status_code == 200
        for sock in (idle, trickle, body):
            sock.close()


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(65536) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


@pytest.fixture
def local(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "data", token=TOKEN) as server:
        yield server


def _upload(server: RegistryServer, metadata: object, crate: bytes = b"crate") -> httpx.Response:
    raw = json.dumps(metadata).encode()
    body = len(raw).to_bytes(4, "little") + raw + len(crate).to_bytes(4, "little") + crate
    return httpx.put(f"{server.url}/api/v1/crates/new", content=body, headers={"Authorization": TOKEN})


@pytest.mark.parametrize(
    "version",
    [
        "\u0661.\u0660.\u0660",  # Arabic-Indic 1.0.0
        "1\u0660.0.0",  # 1 then an Arabic-Indic 0: Python's \d takes it
        "1.0.0-rc.1\u0662",
        "1.0.0-\u0663a",
        "\uff11.0.0",  # fullwidth 1
        "1.0.\u0663",
        "1.0.0-\u0661",
        "1.0.0+\u0969",  # Devanagari 3 in build metadata
        "18446744073709551616.0.0",  # past u64
    ],
)
def test_versions_cargo_would_refuse_are_refused_with_400(local: RegistryServer, version: str) -> None:
    answer = _upload(local, publish_metadata("alpha", version))
    assert answer.status_code == 400
    assert "invalid version" in answer.json()["errors"][0]["detail"]
    assert local.published() == {}


@pytest.mark.parametrize("name", ["\uff41lpha", "caf\u00e9", "nul", "COM1", "a" * 65, "9lives"])
def test_crate_names_cargo_would_refuse_are_refused_with_400(local: RegistryServer, name: str) -> None:
    answer = _upload(local, publish_metadata(name, "0.1.0"))
    assert answer.status_code == 400
    assert "invalid crate name" in answer.json()["errors"][0]["detail"]


def _meta(**changes: object) -> dict[str, object]:
    meta: dict[str, object] = publish_metadata("alpha", "0.1.0")
    meta.update(changes)
    return meta


MALFORMED_UPLOADS: list[tuple[str, bytes]] = [
    ("truncated", b"\x05\x00"),
    ("length past the end", (1000).to_bytes(4, "little") + b"{}"),
    ("metadata not JSON", (5).to_bytes(4, "little") + b"{oops" + (0).to_bytes(4, "little")),
    ("metadata not UTF-8", (2).to_bytes(4, "little") + b"\xff\xfe" + (0).to_bytes(4, "little")),
    ("metadata an array", (2).to_bytes(4, "little") + b"[]" + (0).to_bytes(4, "little")),
]
MALFORMED_METADATA: list[tuple[str, dict[str, object]]] = [
    ("name a number", _meta(name=7)),
    ("version a list", _meta(vers=["0", "1"])),
    ("deps an object", _meta(deps={"a": 1})),
    ("dep a string", _meta(deps=["beta"])),
    ("dep without name", _meta(deps=[{"version_req": "^1"}])),
    ("dep req a number", _meta(deps=[{"name": "beta", "version_req": 1}])),
    ("dep req with a newline", _meta(deps=[{"name": "beta", "version_req": "^1\n"}])),
    ("dep features a string", _meta(deps=[{"name": "beta", "version_req": "^1", "features": "std"}])),
    ("dep kind unknown", _meta(deps=[{"name": "beta", "version_req": "^1", "kind": "weird"}])),
    ("dep optional a string", _meta(deps=[{"name": "beta", "version_req": "^1", "optional": "yes"}])),
    ("features a list", _meta(features=["std"])),
    ("feature values a string", _meta(features={"std": "alloc"})),
    ("links a number", _meta(links=5)),
    ("rust_version words", _meta(rust_version="latest")),
]


@pytest.mark.parametrize("body", [b for _, b in MALFORMED_UPLOADS], ids=[n for n, _ in MALFORMED_UPLOADS])
def test_a_malformed_upload_body_is_a_400_with_a_json_error(local: RegistryServer, body: bytes) -> None:
    answer = httpx.put(f"{local.url}/api/v1/crates/new", content=body, headers={"Authorization": TOKEN})
    _assert_plain_400(answer)


@pytest.mark.parametrize("meta", [m for _, m in MALFORMED_METADATA], ids=[n for n, _ in MALFORMED_METADATA])
def test_malformed_metadata_is_a_400_naming_the_field(local: RegistryServer, meta: dict[str, object]) -> None:
    _assert_plain_400(_upload(local, meta))
    assert local.published() == {}


@pytest.mark.parametrize(
    "request_body",
    [
        b"{not json",
        b"[1]",
        b'{"crate": "alpha", "status": "abc"}',
        b'{"crate": "alpha", "times": -1}',
        b'{"crate": 5}',
        b'{"crate": "alpha", "reject": 3}',
        b'{"crate": "alpha", "status": 99}',
    ],
)
def test_malformed_admin_requests_are_a_400(local: RegistryServer, request_body: bytes) -> None:
    answer = httpx.post(f"{local.url}/_admin/faults", content=request_body, headers={"Authorization": TOKEN})
    _assert_plain_400(answer)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/crates/alpha/\u0661.0.0/download",
        "/api/v1/crates/al pha",
        "/api/v1/crates/alpha/0.1.0+x%2F..%2Fy/download",
    ],
)
def test_malformed_names_and_versions_in_urls_are_a_400(local: RegistryServer, path: str) -> None:
    _assert_plain_400(httpx.get(f"{local.url}{path}"))


def _assert_plain_400(answer: httpx.Response) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    detail = answer.json()["errors"][0]["detail"]
    for python_words in (
        "Traceback",
        "Error(",
        "Expecting value",
        "object has no attribute",
        "invalid literal",
    ):
        assert python_words not in detail


def test_a_bug_answers_500_without_python_words(
    local: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(name: str) -> None:
        raise KeyError("secret internals")

    monkeypatch.setattr(local.registry, "crate_info", broken)
    answer = httpx.get(f"{local.url}/api/v1/crates/alpha")
    assert answer.status_code == 500
    detail = answer.json()["errors"][0]["detail"]
    assert "secret internals" not in detail and "KeyError" not in detail


CORRUPTIONS: list[tuple[str, str, bytes | None, str]] = [
    ("state not JSON", "state.json", b'{"format": 1, "url": ', "state.json"),
    ("state not an object", "state.json", b"[]", "state.json"),
    ("state of a future format", "state.json", b'{"format": 9, "url": "http://x"}', "state.json"),
    ("index line not JSON", "index/al/ph/alpha", b'{"name": "alpha"\n', "index/al/ph/alpha, line 1"),
    ("index line without checksum", "index/al/ph/alpha", b'{"name": "alpha", "vers": "0.1.0"}\n', "line 1"),
    ("index not UTF-8", "index/al/ph/alpha", b"\xff\xfe\n", "index/al/ph/alpha"),
    ("index entry in the wrong file", "index/be/ta/beta", None, "belongs in index/al/ph/alpha"),
]


def _corrupt(data: Path, rel: str, content: bytes | None) -> None:
    path = data / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:  # a valid entry of another crate
        entry = {
            "name": "alpha",
            "vers": "0.1.0",
            "deps": [],
            "cksum": "0" * 64,
            "features": {},
            "yanked": False,
        }
        content = json.dumps(entry).encode() + b"\n"
    path.write_bytes(content)


@pytest.mark.parametrize(
    ("rel", "content", "named"), [c[1:] for c in CORRUPTIONS], ids=[c[0] for c in CORRUPTIONS]
)
def test_corrupt_data_stops_serve_with_a_clear_error(
    tmp_path: Path, rel: str, content: bytes | None, named: str
) -> None:
    data = tmp_path / "registry"
    _corrupt(data, rel, content)
    command = [sys.executable, "-m", "release_train", "registry", "serve", "--dir", str(data), "--port", "0"]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 8, done.stderr
    assert "Traceback" not in done.stderr
    first, hint = done.stderr.splitlines()[:2]
    assert first.startswith("error: ") and named in first
    assert hint.startswith("hint: ")
    assert done.stdout == ""  # nothing served, no banner


def test_a_data_directory_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "registry").write_text("not a directory")
    command = [
        sys.executable,
        "-m",
        "release_train",
        "registry",
        "serve",
        "--dir",
        str(tmp_path / "registry"),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 8, done.stderr
    assert done.stderr.startswith(
        f"error: cannot use {tmp_path / 'registry'} as the registry's data directory"
    )


def test_serve_never_prints_the_token_and_says_where_it_is(tmp_path: Path) -> None:
    data = tmp_path / "registry"
    token = "tok-7f3a9c-never-shown"
    command = [sys.executable, "-m", "release_train", "registry", "serve", "--dir", str(data)]
    command += ["--port", "0", "--token", token, "--crates-io-limits"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        lines = banner(child)
        url = value_of(lines, "api:")
        # the token works, and so the banner's instructions are followed with the file it names
        token_file = data.resolve() / "token"
        assert f"written to {token_file}" in "".join(lines)
        assert f'export CARGO_REGISTRIES_LOCAL_TOKEN="$(cat {token_file})"' in "".join(lines)
        assert token_file.read_text().strip() == token
        assert token_file.stat().st_mode & 0o777 == 0o600
        from_file = token_file.read_text().strip()
        assert httpx.post(
            f"{url}/_admin/faults", json={"clear": True}, headers={"Authorization": from_file}
        ).json() == {"ok": True}
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
    assert child.returncode == 0
    everything = "".join(lines) + out + err
    assert token not in everything
