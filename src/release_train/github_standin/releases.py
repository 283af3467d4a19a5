"""Releases and their assets: drafts hidden from the by-tag lookup, `make_latest` kept as GitHub
keeps it (an explicit flag, never on drafts or pre-releases), uploads on a separate `uploads`
prefix announced through `upload_url`, 422 on a duplicate tag or asset name."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import unquote

from release_train.github_standin.core import Core
from release_train.github_standin.state import Asset, ReleaseRow
from release_train.github_standin.web import (
    HttpError,
    Request,
    Response,
    Route,
    not_found,
    page_of,
    require,
    route,
    validation_failed,
)

DOC = "https://docs.github.com/rest/releases/releases"
ASSET_DOC = "https://docs.github.com/rest/releases/assets"


def asset_json(core: Core, release: ReleaseRow, asset: Asset) -> dict[str, Any]:
    return {
        "url": f"{core.repo_api}/releases/assets/{asset.id}",
        "id": asset.id,
        "node_id": f"RA_{asset.id}",
        "name": asset.name,
        "label": asset.label or None,
        "state": "uploaded",
        "content_type": asset.content_type,
        "size": len(asset.data),
        "digest": asset.digest,
        "download_count": 0,
        "created_at": asset.created_at,
        "updated_at": asset.created_at,
        "browser_download_url": f"{core.base_url}/download/{release.id}/{asset.name}",
        "uploader": {"login": core.state.owner},
    }


def release_json(core: Core, r: ReleaseRow) -> dict[str, Any]:
    uploads = f"{core.base_url}/uploads/repos/{core.state.full_name}/releases/{r.id}/assets"
    return {
        "url": f"{core.repo_api}/releases/{r.id}",
        "html_url": f"{core.repo_web}/releases/tag/{r.tag_name if not r.draft else f'untagged-{r.id}'}",
        "assets_url": f"{core.repo_api}/releases/{r.id}/assets",
        "upload_url": uploads + "{?name,label}",
        "tarball_url": f"{core.repo_api}/tarball/{r.tag_name}",
        "zipball_url": f"{core.repo_api}/zipball/{r.tag_name}",
        "id": r.id,
        "node_id": f"RE_{r.id}",
        "tag_name": r.tag_name,
        "target_commitish": r.target_commitish,
        "name": r.name,
        "body": r.body,
        "draft": r.draft,
        "prerelease": r.prerelease,
        "immutable": False,
        "created_at": r.created_at,
        "published_at": r.published_at,
        "author": {"login": core.state.owner},
        "assets": [asset_json(core, r, a) for a in r.assets],
    }


def _get(core: Core, release_id: str) -> ReleaseRow:
    release = core.state.releases.get(int(release_id))
    if release is None:
        raise HttpError(not_found(DOC))
    return release


def _apply(core: Core, r: ReleaseRow, body: dict[str, Any], *, creating: bool) -> None:
    for name in ("name", "body", "target_commitish"):
        if name in body:
            setattr(r, name, body[name])
    for name in ("draft", "prerelease"):
        if name in body:
            setattr(r, name, bool(body[name]))
    if not r.draft and r.published_at is None:
        r.published_at = core.now()
        _ensure_tag(core, r)
    make_latest = str(body.get("make_latest", "true" if creating else ""))
    if r.draft or r.prerelease:
        if core.state.latest_release == r.id:
            core.state.latest_release = None
    elif make_latest in ("true", "legacy"):
        core.state.latest_release = r.id


def _ensure_tag(core: Core, r: ReleaseRow) -> None:
    """Publishing a release whose tag is missing creates it from `target_commitish`, as GitHub does."""
    ref = f"refs/tags/{r.tag_name}"
    if ref not in core.git.refs(ref):
        if core.state.settings.tag_restricted(r.tag_name):
            violation = "pre_receive Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n"
            raise HttpError(
                validation_failed(
                    [
                        {
                            "resource": "Release",
                            "code": "custom",
                            "field": "pre_receive",
                            "message": violation,
                        },
                        {
                            "resource": "Release",
                            "code": "custom",
                            "message": "Published releases must have a valid tag",
                        },
                    ],
                    DOC,
                )
            )
        sha = core.resolve_commit(r.target_commitish or "main")
        if sha:
            core.git.update_ref(ref, sha, "")


def create(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    require(body, "tag_name", resource="Release")
    tag = str(body["tag_name"])
    if any(r.tag_name == tag for r in core.state.releases.values()):
        return validation_failed(
            [{"resource": "Release", "code": "already_exists", "field": "tag_name"}], DOC
        )
    release = ReleaseRow(
        id=core.state.new_id(),
        tag_name=tag,
        target_commitish=str(body.get("target_commitish") or "main"),
        name=None,
        body=None,
        draft=False,
        prerelease=False,
        created_at=core.now(),
        published_at=None,
    )
    _apply(core, release, {"draft": False, **body}, creating=True)
    core.state.releases[release.id] = release
    data = release_json(core, release)
    return Response(201, data, {"Location": data["url"]})


def list_releases(core: Core, req: Request, m: re.Match[str]) -> Response:
    releases = sorted(core.state.releases.values(), key=lambda r: r.id, reverse=True)
    return page_of(core, req, [release_json(core, r) for r in releases])


def latest(core: Core, req: Request, m: re.Match[str]) -> Response:
    if core.state.latest_release is None:
        return not_found(DOC)
    return Response(200, release_json(core, core.state.releases[core.state.latest_release]))


def by_tag(core: Core, req: Request, m: re.Match[str]) -> Response:
    tag = unquote(m["tag"])
    for r in core.state.releases.values():
        if r.tag_name == tag and not r.draft:  # drafts only show up in the listing
            return Response(200, release_json(core, r))
    return not_found(DOC)


def get(core: Core, req: Request, m: re.Match[str]) -> Response:
    return Response(200, release_json(core, _get(core, m["id"])))


def update(core: Core, req: Request, m: re.Match[str]) -> Response:
    release = _get(core, m["id"])
    body = req.json()
    if "tag_name" in body:
        release.tag_name = str(body["tag_name"])
    _apply(core, release, body, creating=False)
    return Response(200, release_json(core, release))


def delete(core: Core, req: Request, m: re.Match[str]) -> Response:
    release = _get(core, m["id"])
    del core.state.releases[release.id]
    if core.state.latest_release == release.id:
        core.state.latest_release = None
    return Response(204)


def list_assets(core: Core, req: Request, m: re.Match[str]) -> Response:
    release = _get(core, m["id"])
    return page_of(core, req, [asset_json(core, release, a) for a in release.assets])


def upload(core: Core, req: Request, m: re.Match[str]) -> Response:
    release = _get(core, m["id"])
    name = req.query.get("name", "")
    if not name or not req.headers.get("content-type"):
        return validation_failed([{"resource": "ReleaseAsset", "code": "missing_field", "field": "name"}])
    if any(a.name == name for a in release.assets):
        return validation_failed(
            [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}], ASSET_DOC
        )
    asset = Asset(
        id=core.state.new_id(),
        name=name,
        label=req.query.get("label", ""),
        content_type=req.headers["content-type"],
        data=req.body,
        digest=f"sha256:{hashlib.sha256(req.body).hexdigest()}",
        created_at=core.now(),
    )
    release.assets.append(asset)
    data = asset_json(core, release, asset)
    return Response(201, data, {"Location": data["url"]})


def _find_asset(core: Core, asset_id: str) -> tuple[ReleaseRow, Asset]:
    for release in core.state.releases.values():
        for asset in release.assets:
            if asset.id == int(asset_id):
                return release, asset
    raise HttpError(not_found(ASSET_DOC))


def get_asset(core: Core, req: Request, m: re.Match[str]) -> Response:
    return Response(200, asset_json(core, *_find_asset(core, m["id"])))


def delete_asset(core: Core, req: Request, m: re.Match[str]) -> Response:
    release, asset = _find_asset(core, m["id"])
    release.assets.remove(asset)
    return Response(204)


def download(core: Core, req: Request, m: re.Match[str]) -> Response:
    release = _get(core, m["id"])
    for asset in release.assets:
        if asset.name == unquote(m["name"]):
            return Response(200, asset.data, {"Content-Type": asset.content_type})
    return not_found(ASSET_DOC)


ROUTES: list[Route] = [
    route("POST", r"/repo/releases", create, body="releases/write", doc=DOC),
    route("GET", r"/repo/releases", list_releases, query="page?", resource="Release"),
    route("GET", r"/repo/releases/latest", latest),
    route("GET", r"/repo/releases/tags/(?P<tag>.+)", by_tag),
    route("GET", r"/repo/releases/(?P<id>\d+)", get),
    route("PATCH", r"/repo/releases/(?P<id>\d+)", update, body="releases/write", doc=DOC),
    route("DELETE", r"/repo/releases/(?P<id>\d+)", delete),
    route("GET", r"/repo/releases/(?P<id>\d+)/assets", list_assets),
    route("POST", r"/uploads/repo/releases/(?P<id>\d+)/assets", upload),
    route("GET", r"/repo/releases/assets/(?P<id>\d+)", get_asset),
    route("DELETE", r"/repo/releases/assets/(?P<id>\d+)", delete_asset),
    route("GET", r"/download/(?P<id>\d+)/(?P<name>[^/]+)", download),
]
