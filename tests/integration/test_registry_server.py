"""The local registry over real HTTP on 127.0.0.1 (no cargo here: see test_registry_server_cargo)."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.fixtures.crates import dep, fake_crate, publish_metadata
from tests.fixtures.serving import banner, value_of

from release_train.registries.local_cargo import Limits, Pacing, RegistryServer
from release_train.registries.local_cargo.index import encode_publish_body

TOKEN = "s3cret"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "data", token=TOKEN) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


def put_crate(
    http: httpx.Client, server: RegistryServer, name: str, version: str, token: str = TOKEN, **kw: Any
) -> httpx.Response:
    body = encode_publish_body(publish_metadata(name, version, **kw), fake_crate(name, version))
    return http.put(f"{server.url}/api/v1/crates/new", content=body, headers={"Authorization": token})


def detail(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["detail"])


def test_config_json_points_cargo_at_the_api(server: RegistryServer, client: httpx.Client) -> None:
    assert server.index_url == f"sparse+{server.url}/index/"
    config = client.get(f"{server.url}/index/config.json").json()
    assert config == {"dl": f"{server.url}/api/v1/crates", "api": server.url, "auth-required": False}


def test_publish_then_index_download_and_listing(server: RegistryServer, client: httpx.Client) -> None:
    assert put_crate(client, server, "alpha", "0.1.0").status_code == 200
    assert put_crate(client, server, "beta", "0.1.0", deps=[dep("alpha", "^0.1.0")]).status_code == 200
    index = client.get(f"{server.url}/index/al/ph/alpha")
    assert index.status_code == 200
    (line,) = [json.loads(x) for x in index.text.splitlines()]
    assert line["cksum"] == hashlib.sha256(fake_crate("alpha", "0.1.0")).hexdigest()
    beta = json.loads(client.get(f"{server.url}/index/be/ta/beta").text)
    assert beta["deps"][0]["name"] == "alpha"
    download = client.get(f"{server.url}/api/v1/crates/alpha/0.1.0/download")
    assert download.content == fake_crate("alpha", "0.1.0")
    listing = client.get(f"{server.url}/api/v1/crates/alpha").json()
    assert [v["num"] for v in listing["versions"]] == ["0.1.0"]
    assert server.published() == {"alpha": ["0.1.0"], "beta": ["0.1.0"]}


def test_unknown_crate_is_404_and_etag_revalidation_gives_304(
    server: RegistryServer, client: httpx.Client
) -> None:
    missing = client.get(f"{server.url}/index/no/pe/nope")
    assert missing.status_code == 404
    assert "nope" in detail(missing)
    put_crate(client, server, "alpha", "0.1.0")
    first = client.get(f"{server.url}/index/al/ph/alpha")
    etag = first.headers["ETag"]
    again = client.get(f"{server.url}/index/al/ph/alpha", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    put_crate(client, server, "alpha", "0.2.0")
    changed = client.get(f"{server.url}/index/al/ph/alpha", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert len(changed.text.splitlines()) == 2


def test_bad_token_403_and_duplicate_409(server: RegistryServer, client: httpx.Client) -> None:
    bad = put_crate(client, server, "alpha", "0.1.0", token="wrong")
    assert bad.status_code == 403
    assert "token" in detail(bad)
    assert put_crate(client, server, "alpha", "0.1.0").status_code == 200
    dup = put_crate(client, server, "alpha", "0.1.0")
    assert dup.status_code == 409
    assert detail(dup) == "crate version `0.1.0` of `alpha` is already uploaded"
    # The refused request was answered before its body was read: it uploaded nothing to log.
    assert [(a.crate, a.status) for a in server.upload_log] == [("alpha", 200), ("alpha", 409)]


def test_yank_and_unyank(server: RegistryServer, client: httpx.Client) -> None:
    put_crate(client, server, "alpha", "0.1.0")
    url = f"{server.url}/api/v1/crates/alpha/0.1.0"
    assert client.delete(f"{url}/yank", headers={"Authorization": TOKEN}).json() == {"ok": True}
    assert json.loads(client.get(f"{server.url}/index/al/ph/alpha").text)["yanked"] is True
    unyank = client.put(f"{url}/unyank", headers={"Authorization": TOKEN, "Content-Type": "application/json"})
    assert unyank.json() == {"ok": True}
    assert json.loads(client.get(f"{server.url}/index/al/ph/alpha").text)["yanked"] is False
    assert client.delete(f"{url}/yank", headers={"Authorization": "wrong"}).status_code == 403


def test_rate_limit_429_with_retry_after_then_the_bucket_refills(
    tmp_path: Path, client: httpx.Client
) -> None:
    # new crates: burst 2, then one per 60 simulated s = 0.2 real s at time scale 300
    limits = Limits(new_crate=Pacing(2, 60.0), new_version=None)
    with RegistryServer(tmp_path / "data", token=TOKEN, limits=limits, time_scale=300.0) as server:
        assert put_crate(client, server, "a1", "0.1.0").status_code == 200
        assert put_crate(client, server, "a2", "0.1.0").status_code == 200
        limited = put_crate(client, server, "a3", "0.1.0")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "1"
        wait = float(limited.headers["X-Retry-After-Seconds"])
        assert 0 < wait <= 0.2
        assert "too many new crates" in detail(limited)
        assert "Please try again after" in detail(limited)
        time.sleep(wait + 0.05)
        assert put_crate(client, server, "a3", "0.1.0").status_code == 200
        assert [a.status for a in server.upload_log] == [200, 200, 429, 200]


def test_index_delay_hides_a_version_until_it_propagates(tmp_path: Path, client: httpx.Client) -> None:
    with RegistryServer(tmp_path / "data", token=TOKEN, index_delay=30.0, time_scale=100.0) as server:
        assert put_crate(client, server, "alpha", "0.1.0").status_code == 200  # answered at once
        assert client.get(f"{server.url}/index/al/ph/alpha").status_code == 404
        assert not server.is_visible("alpha", "0.1.0")
        deadline = time.monotonic() + 10
        while not server.is_visible("alpha", "0.1.0") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get(f"{server.url}/index/al/ph/alpha").status_code == 200


def test_admin_endpoint_injects_failures_and_rejections(server: RegistryServer, client: httpx.Client) -> None:
    admin = {"Authorization": TOKEN}
    faults = f"{server.url}/_admin/faults"
    assert client.post(faults, json={"crate": "alpha", "status": 500, "times": 2}, headers=admin).json() == {
        "ok": True
    }
    assert (
        client.post(faults, json={"crate": "beta", "reject": "policy says no"}, headers=admin).status_code
        == 200
    )
    assert client.post(faults, json={"crate": "beta"}, headers={"Authorization": "x"}).status_code == 403
    assert [put_crate(client, server, "alpha", "0.1.0").status_code for _ in range(3)] == [500, 500, 200]
    rejected = put_crate(client, server, "beta", "0.1.0")
    assert (rejected.status_code, detail(rejected)) == (400, "policy says no")
    client.post(faults, json={"clear": True}, headers=admin)
    assert put_crate(client, server, "beta", "0.1.0").status_code == 200
    uploads = client.get(f"{server.url}/_admin/uploads", headers=admin).json()["uploads"]
    assert [(u["crate"], u["status"]) for u in uploads] == [
        ("alpha", 500),
        ("alpha", 500),
        ("alpha", 200),
        ("beta", 400),
        ("beta", 200),
    ]
    assert client.get(f"{server.url}/_admin/published", headers=admin).json() == {
        "alpha": ["0.1.0"],
        "beta": ["0.1.0"],
    }


def test_python_fault_api(server: RegistryServer, client: httpx.Client) -> None:
    server.inject_failure("alpha", status=503, times=1)
    server.reject("beta", "reserved name")
    assert put_crate(client, server, "alpha", "0.1.0").status_code == 503
    assert put_crate(client, server, "alpha", "0.1.0").status_code == 200
    assert detail(put_crate(client, server, "beta", "0.1.0")) == "reserved name"


def test_restart_on_the_same_port_serves_the_same_registry(tmp_path: Path, client: httpx.Client) -> None:
    with RegistryServer(tmp_path / "data", token=TOKEN) as first:
        put_crate(client, first, "alpha", "0.1.0")
        url = first.url
        before = client.get(f"{url}/index/al/ph/alpha").content
    port = int(url.rsplit(":", 1)[1])
    with RegistryServer(tmp_path / "data", token=TOKEN, port=port) as second:
        assert second.url == url
        assert second.previous_url is None
        assert client.get(f"{url}/index/al/ph/alpha").content == before
        assert second.published() == {"alpha": ["0.1.0"]}
    with RegistryServer(tmp_path / "data", token=TOKEN) as moved:
        assert moved.previous_url == url  # the CLI warns: published crates name the old URL


def test_cli_serve_prints_its_urls_and_stops_on_ctrl_c(tmp_path: Path, client: httpx.Client) -> None:
    command = [sys.executable, "-m", "release_train", "registry", "serve", "--dir", str(tmp_path / "d")]
    command += ["--port", "0", "--token", TOKEN, "--crates-io-limits", "--time-scale", "60"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        lines = banner(child)
        text = "".join(lines)
        index_url = value_of(lines, "index:")
        api = index_url.removeprefix("sparse+").removesuffix("/index/")
        assert client.get(f"{api}/index/config.json").json()["api"] == api
        assert f'index = "{index_url}"' in text
        assert 'replace-with = "local"' in text
        assert TOKEN not in text  # test_registry_hostile: where it is written instead
        assert "new versions burst 30 then 1 per 60 s" in text
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
    assert (tmp_path / "d" / "state.json").is_file()
