"""What a person sees on stderr: a command's own steps once (in its report on stdout), what CI
does in reaction to a push (tag, publish) as it happens, marked `ci:`."""

from __future__ import annotations

import pytest

from release_train.cli.common import TextObserver
from release_train.events import Event


def test_own_steps_are_left_to_the_report_and_ci_steps_are_shown(capsys: pytest.CaptureFixture[str]) -> None:
    observer = TextObserver()
    observer(Event("step", "pushed release-1.0.0"))
    observer(Event("skip", "release-1.0.0 already there"))
    observer(Event("event", "push refs/heads/main a..b"))
    observer(Event("step", "tagged abc as v1.0.0", {"ci": True}))
    observer(Event("warn", "publish reaction failed", {"ci": True}))
    observer(Event("progress", "3/5"))
    assert capsys.readouterr().err.splitlines() == [
        "push refs/heads/main a..b",
        "    ci: + tagged abc as v1.0.0",
        "warning: publish reaction failed",
    ]


def test_show_steps_echoes_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    TextObserver(show_steps=True)(Event("step", "uploading railcar 1.0.0"))
    assert capsys.readouterr().err == "  + uploading railcar 1.0.0\n"
