"""Rate limits of a public registry, simulated as token buckets and time-scaled.

crates.io limits publishing per action: new crates (burst 5, then one per 10 minutes) and new
versions of existing crates (burst 30, then one per minute). Tests and benchmarks cannot wait
that long, so every configured duration is in *simulated* seconds and a `time_scale` factor turns
it into real ones: real seconds = simulated seconds / time_scale.
"""

from __future__ import annotations

import threading

from release_train.config import Pacing
from release_train.values import dataclass, field

NEW_CRATE = "new-crate"
NEW_VERSION = "new-version"


@dataclass(frozen=True)
class Limits:
    """Pacing per action; `None` for an action means unlimited."""

    new_crate: Pacing | None = Pacing(5, 600.0)
    new_version: Pacing | None = Pacing(30, 60.0)

    @classmethod
    def crates_io(cls) -> Limits:
        return cls()

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(new_crate=None, new_version=None)

    def for_action(self, action: str) -> Pacing | None:
        return self.new_crate if action == NEW_CRATE else self.new_version


@dataclass
class TokenBucket:
    """`burst` tokens at first; one more every `interval` real seconds, never above `burst`.

    `take(now)` spends a token and returns 0.0, or spends nothing and returns the real seconds
    until a token will be there. Times are monotonic seconds supplied by the caller (its clock).
    """

    burst: int
    interval: float
    tokens: float = field(init=False)
    last: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    @classmethod
    def from_pacing(cls, pacing: Pacing, time_scale: float) -> TokenBucket:
        return cls(pacing.burst, pacing.every / time_scale)

    def _refill(self, now: float) -> None:
        if self.last is not None and self.interval > 0:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) / self.interval)
        elif self.interval <= 0:
            self.tokens = float(self.burst)
        self.last = now

    def peek(self, now: float) -> float:
        """Seconds until a token is available (0.0 when one is), spending nothing."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) * self.interval

    def take(self, now: float) -> float:
        wait = self.peek(now)
        if wait == 0.0:
            self.tokens -= 1.0
        return wait


class RateLimiter:
    """One bucket per action, shared by every client (the registry has one user: the token)."""

    def __init__(self, limits: Limits | None, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, not {time_scale}")
        self.limits = limits or Limits.unlimited()
        self.time_scale = time_scale
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}
        for action in (NEW_CRATE, NEW_VERSION):
            pacing = self.limits.for_action(action)
            if pacing is not None:
                self._buckets[action] = TokenBucket.from_pacing(pacing, time_scale)

    def take(self, action: str, now: float) -> float:
        """Spend one token for `action`: 0.0 when allowed, else real seconds to wait."""
        bucket = self._buckets.get(action)
        if bucket is None:
            return 0.0
        with self._lock:
            return bucket.take(now)

    def peek(self, action: str, now: float) -> float:
        bucket = self._buckets.get(action)
        if bucket is None:
            return 0.0
        with self._lock:
            return bucket.peek(now)
