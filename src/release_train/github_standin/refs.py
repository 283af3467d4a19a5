"""The git database API over the bare repository: refs (get, matching, create, update, delete)
and annotated tag objects, with GitHub's 422 messages ("Reference already exists"...), a tag
ruleset that restricts creation unless the token may bypass it, and reads that may lag behind a
create."""

from __future__ import annotations

import re
from typing import Any

from release_train.github_standin.core import Core
from release_train.github_standin.web import (
    Request,
    Response,
    Route,
    not_found,
    page_of,
    require,
    route,
    unprocessable,
)

DOC = "https://docs.github.com/rest/git/refs"
_SHA = re.compile(r"^[0-9a-f]{40}$")


def ref_json(core: Core, ref: str, sha: str) -> dict[str, Any]:
    kind = core.object_type(sha) or "commit"
    plural = "tags" if kind == "tag" else f"{kind}s"
    return {
        "ref": ref,
        "node_id": f"REF_{ref}",
        "url": f"{core.repo_api}/git/{ref}",
        "object": {"type": kind, "sha": sha, "url": f"{core.repo_api}/git/{plural}/{sha}"},
    }


def get_ref(core: Core, req: Request, m: re.Match[str]) -> Response:
    full = f"refs/{m['ref']}"
    sha = core.git.refs(full).get(full)
    lagging = core.state.limits.lags(f"ref:{full}")
    core.state.limits.read_done()
    return Response(200, ref_json(core, full, sha)) if sha and not lagging else not_found(DOC)


def matching_refs(core: Core, req: Request, m: re.Match[str]) -> Response:
    prefix = f"refs/{m['ref']}"
    refs = sorted(core.git.refs("refs/heads", "refs/tags").items())
    seen = [(r, sha) for r, sha in refs if r.startswith(prefix) and not core.state.limits.lags(f"ref:{r}")]
    core.state.limits.read_done()
    return page_of(core, req, [ref_json(core, r, sha) for r, sha in seen])


def rule_violation(core: Core, ref: str) -> Response | None:
    """A tag ruleset restricting creation refuses the token unless it is on the bypass list."""
    if ref.startswith("refs/tags/") and core.state.settings.tag_restricted(ref.removeprefix("refs/tags/")):
        message = (
            "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n"
        )
        return unprocessable(message, f"{DOC}#create-a-reference")
    return None


def create_ref(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    require(body, "ref", "sha", resource="Reference")
    ref, sha = str(body["ref"]), str(body["sha"])
    if not ref.startswith("refs/") or ref.count("/") < 2:
        return unprocessable(f"{ref} is not a valid ref name.", DOC)
    if ref in core.git.refs(ref):
        return unprocessable("Reference already exists", DOC)
    if not _SHA.match(sha) or core.object_type(sha) is None:
        return unprocessable("Object does not exist", DOC)
    refused = rule_violation(core, ref)
    if refused is not None:
        return refused
    if not core.git.update_ref(ref, sha, ""):
        return unprocessable("Reference update failed", DOC)
    core.state.limits.wrote(f"ref:{ref}")
    data = ref_json(core, ref, sha)
    return Response(201, data, {"Location": data["url"]})


def update_ref(core: Core, req: Request, m: re.Match[str]) -> Response:
    full = f"refs/{m['ref']}"
    body = req.json()
    require(body, "sha", resource="Reference")
    old = core.git.refs(full).get(full)
    if old is None:
        return unprocessable("Reference does not exist", DOC)
    sha = str(body["sha"])
    if core.object_type(sha) is None:
        return unprocessable("Object does not exist", DOC)
    if not body.get("force") and not core.git.ok("merge-base", "--is-ancestor", old, sha):
        return unprocessable("Update is not a fast forward", DOC)
    if not core.git.update_ref(full, sha, old):
        return unprocessable("Reference update failed", DOC)
    return Response(200, ref_json(core, full, sha))


def delete_ref(core: Core, req: Request, m: re.Match[str]) -> Response:
    full = f"refs/{m['ref']}"
    if full not in core.git.refs(full) or not core.git.delete_ref(full):
        return unprocessable("Reference does not exist", DOC)
    return Response(204)


def tag_json(core: Core, sha: str) -> dict[str, Any]:
    text = core.git.run("cat-file", "tag", sha)
    header, _, message = text.partition("\n\n")
    fields = dict(line.split(" ", 1) for line in header.splitlines() if " " in line)
    tagger = re.match(r"(.*) <(.*)> (\d+)", fields.get("tagger", ""))
    return {
        "node_id": f"TAG_{sha}",
        "tag": fields.get("tag", ""),
        "sha": sha,
        "url": f"{core.repo_api}/git/tags/{sha}",
        "message": message,
        "tagger": {"name": tagger.group(1), "email": tagger.group(2)} if tagger else None,
        "object": {"type": fields.get("type", "commit"), "sha": fields.get("object", "")},
        "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
    }


def get_tag(core: Core, req: Request, m: re.Match[str]) -> Response:
    if core.object_type(m["sha"]) != "tag":
        return not_found("https://docs.github.com/rest/git/tags")
    return Response(200, tag_json(core, m["sha"]))


def create_tag(core: Core, req: Request, m: re.Match[str]) -> Response:
    """An annotated tag object; like GitHub, it creates no ref (POST /git/refs does)."""
    body = req.json()
    require(body, "tag", "message", "object", "type", resource="Tag")
    kind = core.object_type(str(body["object"]))
    if kind is None:
        return unprocessable("Object does not exist", "https://docs.github.com/rest/git/tags")
    tagger = body.get("tagger") or {"name": "GitHub", "email": "noreply@github.com"}
    stamp = int(core.clock.now().timestamp())
    text = (
        f"object {body['object']}\ntype {kind}\ntag {body['tag']}\n"
        f"tagger {tagger['name']} <{tagger['email']}> {stamp} +0000\n\n{body['message']}\n"
    )
    sha = core.git.run("hash-object", "-t", "tag", "-w", "--stdin", input=text).strip()
    data = tag_json(core, sha)
    return Response(201, data, {"Location": data["url"]})


TAG_DOC = "https://docs.github.com/rest/git/tags"
ROUTES: list[Route] = [
    route("GET", r"/repo/git/ref/(?P<ref>(?:heads|tags)/.+)", get_ref),
    route("GET", r"/repo/git/matching-refs/(?P<ref>.*)", matching_refs),
    route("POST", r"/repo/git/refs", create_ref, body="git/create-ref", doc=DOC),
    route("PATCH", r"/repo/git/refs/(?P<ref>(?:heads|tags)/.+)", update_ref, body="git/update-ref", doc=DOC),
    route("DELETE", r"/repo/git/refs/(?P<ref>(?:heads|tags)/.+)", delete_ref),
    route("GET", r"/repo/git/tags/(?P<sha>[0-9a-f]{40})", get_tag),
    route("POST", r"/repo/git/tags", create_tag, body="git/create-tag", doc=TAG_DOC),
]
