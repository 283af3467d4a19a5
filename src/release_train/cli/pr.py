"""Pull requests on the forge named by `[forge]`.

release-train pr list [--state open|closed|merged|all] [--json]
release-train pr show N [--json]
release-train pr merge N [--method squash|merge]   merging runs the reactions (tag, publish);
                                                   again on a merged PR, runs them again
release-train pr open --head B --base B --title T [--body TEXT] [--draft]
release-train pr ready N | draft N | close N
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from release_train.cli.common import (
    add_json,
    add_now,
    add_repo_options,
    context_from,
    print_json,
    settings_from,
)
from release_train.cli.summary import add_summary
from release_train.forges.interface import CapabilityMissing, Forge, PullRequest


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="list pull requests")
    listing.add_argument("--state", choices=["open", "closed", "merged", "all"], default="open")
    add_json(listing)
    show = sub.add_parser("show", help="show one pull request")
    show.add_argument("number", type=int, metavar="N")
    add_json(show)
    merge = sub.add_parser("merge", help="merge a pull request into its base (then run the reactions)")
    merge.add_argument("number", type=int, metavar="N")
    merge.add_argument("--method", choices=["squash", "merge"], default="squash")
    add_json(merge)
    add_now(merge)
    add_summary(merge)
    opening = sub.add_parser(
        "open", help="open a pull request (or update the open one of that head and base)"
    )
    opening.add_argument("--head", required=True)
    opening.add_argument("--base", required=True)
    opening.add_argument("--title", required=True)
    opening.add_argument("--body", default="")
    opening.add_argument("--draft", action="store_true")
    add_json(opening)
    simple = [sub.add_parser(name, help=text) for name, text in _SIMPLE.items()]
    for p in simple:
        p.add_argument("number", type=int, metavar="N")
        add_json(p)
    for p in (listing, show, merge, opening, *simple):
        add_repo_options(p)


_SIMPLE = {
    "ready": "mark a draft pull request ready for review",
    "draft": "turn a pull request back into a draft",
    "close": "close a pull request without merging",
}


def run(args: argparse.Namespace) -> int:
    from release_train.cli.common import registry_factory
    from release_train.cli.reactions import forge_and_reactions, replay_merge

    settings = settings_from(args)
    ctx = context_from(args)
    forge, reactions = forge_and_reactions(settings, ctx, registry_factory(settings, ctx.clock))
    if args.action == "list":
        state = None if args.state == "all" else args.state
        prs = forge.list_prs(state=state)
        if args.json:
            print_json([pr_json(pr) for pr in prs])
        else:
            _print_table(prs, args.state)
        return 0
    if args.action == "merge":
        already = forge.get_pr(args.number).state == "merged"
        sha = forge.merge_pr(args.number, method=args.method)
        pr = forge.get_pr(args.number)
        if already:  # a re-run: what CI did for the merge may be unfinished (killed, failed)
            replay_merge(reactions, pr.base, sha)
        if args.json:
            print_json(pr_json(pr))
        elif already:
            print(f"#{pr.number} was already merged into {pr.base} as {sha[:12]}; its reactions ran again")
        else:
            print(f"merged #{pr.number} into {pr.base} as {sha[:12]}")
        return 0
    pr = _act(forge, args)
    if args.json:
        print_json(pr_json(pr))
    else:
        _print_one(pr)
    return 0


def _act(forge: Forge, args: argparse.Namespace) -> PullRequest:
    if args.action == "open":
        return forge.open_pr(args.head, args.base, args.title, args.body, draft=args.draft)
    if args.action in ("ready", "draft"):
        return forge.update_pr(args.number, draft=args.action == "draft")
    if args.action == "close":
        close = getattr(forge, "close_pr", None)
        if close is None:
            raise CapabilityMissing("this forge cannot close pull requests from release-train")
        result: PullRequest = close(args.number)
        return result
    return forge.get_pr(args.number)


def pr_json(pr: PullRequest) -> dict[str, Any]:
    """A PR as JSON: number, title, body, head, base, state, draft, url, merge_commit, labels."""
    data = asdict(pr)
    data["labels"] = list(pr.labels)
    return data


def _print_table(prs: list[PullRequest], state: str) -> None:
    if not prs:
        print(f"no {'' if state == 'all' else state + ' '}pull requests")
        return
    for pr in prs:
        flag = "draft" if pr.draft and pr.state == "open" else pr.state
        print(f"#{pr.number:<4} {flag:<7} {pr.head} -> {pr.base}  {pr.title}")


def _print_one(pr: PullRequest) -> None:
    flag = f"{pr.state}, draft" if pr.draft else pr.state
    print(f"#{pr.number} {pr.title} ({flag})")
    print(f"{pr.head} -> {pr.base}")
    if pr.merge_commit:
        print(f"merged as {pr.merge_commit}")
    if pr.labels:
        print(f"labels: {', '.join(pr.labels)}")
    if pr.body:
        print()
        print(pr.body.rstrip())
