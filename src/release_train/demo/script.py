"""The month itself, one script for every forge: what happens on which day (see the package
docstring for the timeline), and the consumer crate that resolves the result."""

from __future__ import annotations

from release_train.demo.actor import Demo
from release_train.infra import proc
from release_train.infra.git import Git


def fix_and_backport(
    demo: Demo, branch: str, line: str, title: str, day: str, hours: tuple[str, str] = ("10:00", "11:00")
) -> None:
    """A contributor's fix lands on main through a PR; `backport` carries it to release-1.0.0,
    and that PR is merged too (all changes land on main first)."""
    lib = demo.lib
    original = (demo.work / lib).read_text()
    demo.propose(branch, "main", {lib: f"{original}\n{demo.comment} {line}\n"}, title, day)
    demo.merge(branch, "main", f"{day}T{hours[0]}:00Z")
    demo.sync_main()
    demo.rt("backport", demo.head_of("main"), "--to", "release-1.0.0")
    demo.merge_backport("release-1.0.0", f"{day}T{hours[1]}:00Z")


def play(demo: Demo) -> None:
    say = demo.say
    say("\n== Dec 05: the schedule cuts the release branch ==")
    demo.rt("tick", "--now", "2026-12-05T00:00:00Z")
    demo.rt("pr", "list")
    demo.merge("ci/bump-to-2.0.0", "main", "2026-12-05T09:00:00Z")
    demo.sync_main()

    say("\n== Dec 08: a fix lands on main and is backported ==")
    fix_and_backport(
        demo,
        "fix-coupling",
        "Fix: couplings no longer slip on grades.",
        "Fix slipping couplings on grades",
        "2026-12-08",
    )

    say("\n== Dec 20: the schedule opens the release PRs ==")
    demo.rt("tick", "--now", "2026-12-20T00:00:00Z")
    demo.rt("pr", "list")
    say("\nMerging the release PR: the marker commit gets tagged, then published and released.")
    demo.merge("ci/release-1.0.0", "release-1.0.0", "2026-12-20T09:00:00Z")
    # main gets the same date change only when its notes still carry a 1.0.0 section
    demo.merge_if_open("ci/release-1.0.0", "main", "2026-12-20T09:05:00Z")
    demo.sync_main()

    say("\n== Dec 22: a patch release on release-1.0.0 ==")
    fix_and_backport(
        demo,
        "fix-brakes",
        "Fix: brakes release evenly.",
        "Fix uneven brake release",
        "2026-12-22",
        ("08:00", "08:30"),
    )
    notes = demo.work / "RELEASES.md"
    demo.git("fetch", "--quiet", "origin")
    released = Git(demo.work).run("show", "origin/release-1.0.0:RELEASES.md")
    patch_notes = (
        "## 1.0.1\n\nUnreleased.\n\n### Fixed\n\n* Brakes release evenly.\n\n" + "-" * 80 + "\n\n" + released
    )
    demo.git("checkout", "--quiet", "-B", "notes-1.0.1", "origin/release-1.0.0")
    notes.write_text(patch_notes)
    demo.git("commit", "--quiet", "-am", "Release notes for 1.0.1")
    demo.git("push", "--quiet", "origin", "notes-1.0.1:refs/heads/notes-1.0.1")
    demo.git("checkout", "--quiet", "main")
    demo.rt(
        "pr", "open", "--head", "notes-1.0.1", "--base", "release-1.0.0", "--title", "Release notes for 1.0.1"
    )
    demo.merge("notes-1.0.1", "release-1.0.0", "2026-12-22T09:00:00Z")
    demo.rt("release-patch", "--branch", "release-1.0.0", "--now", "2026-12-22T10:00:00Z")
    demo.merge("ci/bump-to-1.0.1", "release-1.0.0", "2026-12-22T10:30:00Z")


def consume(demo: Demo, index_url: str, requirement: str = "1.0") -> str:
    """A separate crate resolves `railcar-core = "<requirement>"` from the local registry."""
    from release_train.registries.local_cargo import cargo_config_toml

    consumer = demo.root / "consumer"
    (consumer / "src").mkdir(parents=True, exist_ok=True)
    (consumer / "Cargo.toml").write_text(
        '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
        f'[dependencies]\nrailcar-core = "{requirement}"\n'
    )
    (consumer / "src" / "main.rs").write_text("fn main() {}\n")
    (consumer / ".cargo").mkdir(exist_ok=True)
    (consumer / ".cargo" / "config.toml").write_text(cargo_config_toml(index_url, replace_crates_io=True))
    env = {"CARGO_TARGET_DIR": str(demo.root / "target")}
    proc.run(["cargo", "generate-lockfile"], cwd=consumer, env=env)
    proc.run(["cargo", "fetch"], cwd=consumer, env=env)
    lock = (consumer / "Cargo.lock").read_text()
    marker = 'name = "railcar-core"\nversion = "'
    start = lock.index(marker) + len(marker)
    return lock[start : lock.index('"', start)]
