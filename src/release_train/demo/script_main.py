"""The month of a train without release branches (`demo --shape main`, `[release] branches =
false`, the shape of bytecodealliance/wasm-tools): two releases and a patch release, every one a
PR to main.

    Dec 08  a fix lands on main, its note in the pending section of RELEASES.md
    Dec 20  tick          PR "Release Railcar 2.0.0" to main (the scheduled major)  -> merged
            the marker commit is tagged v2.0.0 on main, published, released
    Dec 22  a second fix with its note; `release patch`: PR "Release Railcar 2.0.1"  -> merged
            tagged v2.0.1, published, released (latest)
    Jan 12  a feature lands on main with its note
    Jan 20  tick          PR "Release Railcar 3.0.0"                               -> merged
            tagged v3.0.0, published, released (latest); a consumer of "2.0" resolves 2.0.1
"""

from __future__ import annotations

from release_train.demo.actor import Demo

NOW = "2027-01-22T12:00:00Z"  # where the month ends
CONSUMER = "2.0"  # the requirement of the consumer crate, and what it must resolve
RESOLVES = "2.0.1"
TAGS = ("v2.0.0", "v2.0.1", "v3.0.0")
DASHES = "-" * 80

# main's notes as a train without release branches keeps them: every release's section, newest
# first, the pending one on top (`init` writes it so for such a train)
NOTES = (
    "## 2.0.0\n\nUnreleased.\n\n### Added\n\n### Fixed\n\n"
    "* The `railcar` binary prints the version of the C API it was built with.\n\n" + DASHES + "\n"
)


def with_note(notes: str, heading: str, entry: str) -> str:
    """`entry` first under the pending section's `### <heading>`."""
    head = f"### {heading}\n\n"
    at = notes.index(head) + len(head)
    spacer = "" if notes[at:].startswith("* ") else "\n"
    return f"{notes[:at]}* {entry}\n{spacer}{notes[at:]}"


def land(demo: Demo, branch: str, line: str, note: tuple[str, str], title: str, when: str) -> None:
    """A contributor's change with its note lands on main through a PR."""
    lib = "crates/railcar-core/src/lib.rs"
    demo.sync_main()
    code = (demo.work / lib).read_text()
    notes = with_note((demo.work / "RELEASES.md").read_text(), *note)
    demo.propose(branch, "main", {lib: f"{code}\n{line}\n", "RELEASES.md": notes}, title, when[:10])
    demo.merge(branch, "main", when)
    demo.sync_main()


def release_on_main(demo: Demo, version: str, when: str) -> None:
    demo.merge(f"ci/release-{version}", "main", when)
    demo.sync_main()


def play(demo: Demo) -> None:
    say = demo.say
    say("\n== This train has no release branches: every release is a PR to main ==")
    demo.rt("status", "--now", "2026-12-02T00:00:00Z")

    say("\n== Dec 08: a fix lands on main, with its note ==")
    fix = ("Fixed", "Couplings no longer slip on grades.")
    land(
        demo,
        "fix-coupling",
        "// Fix: couplings no longer slip.",
        fix,
        "Fix slipping couplings",
        "2026-12-08T10:00:00Z",
    )

    say("\n== Dec 20: the schedule proposes the release ==")
    demo.rt("tick", "--now", "2026-12-20T00:00:00Z")
    demo.rt("pr", "list")
    say("\nMerging the release PR: the marker commit on main gets tagged, then published and released.")
    release_on_main(demo, "2.0.0", "2026-12-20T09:00:00Z")

    say("\n== Dec 22: a patch release on main ==")
    fix = ("Fixed", "Brakes release evenly.")
    land(
        demo,
        "fix-brakes",
        "// Fix: brakes release evenly.",
        fix,
        "Fix uneven brake release",
        "2026-12-22T08:00:00Z",
    )
    demo.rt("release", "patch", "--now", "2026-12-22T10:00:00Z")
    release_on_main(demo, "2.0.1", "2026-12-22T10:30:00Z")

    say("\n== Jan 12: a feature lands on main ==")
    feature = ("Added", "Couplers report their load.")
    land(
        demo,
        "coupler-load",
        "// Couplers report their load.",
        feature,
        "Report coupler load",
        "2027-01-12T10:00:00Z",
    )

    say("\n== Jan 20: the schedule proposes the next release ==")
    demo.rt("tick", "--now", "2027-01-20T00:00:00Z")
    release_on_main(demo, "3.0.0", "2027-01-20T09:00:00Z")
