"""The one error root of release-train.

Every error a user can meet is a `ReleaseTrainError` subclass carrying its exit code and a message
that says what to do next. Only `cli.main()` turns them into exit codes. Backend families define
their own roots (`ForgeError`, `RegistryError`, ...) as subclasses of this one.
"""

from __future__ import annotations


class ReleaseTrainError(Exception):
    """Base of every expected failure. `hint` says what to do next."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(ReleaseTrainError):
    """The command line was wrong."""

    exit_code = 2


class ConfigError(ReleaseTrainError):
    """`release-train.toml` (or `[tool.release-train]`) is missing, malformed or has unknown keys."""

    exit_code = 3


class WorkspaceError(ReleaseTrainError):
    """A manifest is malformed or the workspace breaks an invariant (cycle, stale requirement...)."""

    exit_code = 4


class ProcessError(ReleaseTrainError):
    """An external command (git, cargo) failed."""

    exit_code = 5


class RefusedError(ReleaseTrainError):
    """A flow refuses to act: a precondition or a gate does not hold. Nothing was changed."""

    exit_code = 6


class CapabilityMissing(ReleaseTrainError):
    """A backend (forge, registry) cannot do what was asked. Planners check the capabilities they
    need before any step (`require`), so nothing is half done."""

    exit_code = 10


def require(
    have: frozenset[str], needed: tuple[str, ...], *, backend: str, needed_by: str, hint: str | None = None
) -> None:
    """Raise `CapabilityMissing` naming every capability in `needed` that `have` lacks.
    Capabilities are string enums whose value says what the backend can do ("close pull
    requests")."""
    missing = [str(item) for item in needed if item not in have]
    if missing:
        raise CapabilityMissing(
            f"{backend} cannot {' or '.join(missing)}, which {needed_by} needs",
            hint=hint or "use a backend that can (see `release-train config --reference`), or do it by hand",
        )


class InterruptedForTest(ReleaseTrainError):
    """Raised by the fault-injection hook (`RELEASE_TRAIN_FAIL_AFTER`) to simulate a crash."""

    exit_code = 75


INTERNAL_ERROR_EXIT = 70
