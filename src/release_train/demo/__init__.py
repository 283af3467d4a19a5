"""The main job: a full release month of the bundled example, on one machine, no credentials.

It builds a working repository from `demo/example/` (the Railcar workspace), an embedded local
forge as its `origin`, and a local Cargo registry server, then plays the month with the same
commands a maintainer and CI would run, printing each one as a timeline:

    Dec 05  tick          cut release-1.0.0, bump PR to 2.0.0 on main   -> merged
    Dec 08  a fix lands on main, `backport` carries it to release-1.0.0    -> merged
    Dec 20  tick          release PRs on release-1.0.0 and main         -> merged
            the marker commit is tagged v1.0.0, published, released
    Dec 22  a second fix, backported; notes for 1.0.1; `release-patch`     -> merged
            tagged v1.0.1, published, released
            a consumer crate resolves railcar 1.0.1 from the registry

Everything happens for real (git merges, cargo publish); only the dates are simulated (`--now`).

With `shape="main"` the month of a train without release branches (`[release] branches =
false`) is played instead (`script_main.py`): two releases and a patch release, each a PR to
main that is merged, tagged, published and released; a consumer of "2.0" resolves 2.0.1.

With `forge="github"` the same month (`play`, one piece of code) runs against the GitHub stand-in
started in-process on 127.0.0.1 (`[forge] kind = "github"`, a throwaway token it requires); only
the setup differs. `run` returns what the month left behind (`Month`), read through the Forge
Protocol and the registry, so the two forges can be compared.
"""

from release_train.demo.actor import FORGE_KINDS, DemoFailed, ForgeKind
from release_train.demo.stage import SHAPES, Month, Shape, run

__all__ = ["FORGE_KINDS", "SHAPES", "DemoFailed", "ForgeKind", "Month", "Shape", "run"]
