"""The dependency graph of a workspace: layers, publish order and cycles.

The order is computed, never hand-kept (the reference project kept a list by hand). Normal and
build dependencies order packages. A dev-dependency orders them only when it names a version
(`{ path = "..", version = ".." }`): `cargo publish` strips path-only dev-dependencies but keeps
versioned ones, and the registry must then have that version first. Cycles through
dev-dependencies are legal: when the versioned ones would close a cycle, they do not order; so are
cycles through Python extras (a framework's `[openai]` extra requiring the plugin that requires the
framework).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from release_train.errors import WorkspaceError

if TYPE_CHECKING:
    from release_train.workspaces.interface import Dependency, Package, Workspace


def publish_edges(ws: Workspace) -> dict[str, set[str]]:
    """Each publishable package -> the publishable packages the registry must have first."""
    publishable = {p.name: p for p in ws.packages if p.publish}
    hard = {name: p.ordering_deps() & publishable.keys() for name, p in publishable.items()}
    dev = {
        name: {d.name for d in p.dependencies if _versioned_dev(d)} - {name}
        for name, p in publishable.items()
    }
    soft = {name: hard[name] | (dev[name] & publishable.keys()) for name in publishable}
    return soft if soft != hard and not find_cycle(soft) else hard


def _versioned_dev(d: Dependency) -> bool:
    return d.kind == "dev" and d.first_party and d.req is not None


def layers(ws: Workspace) -> list[list[Package]]:
    publishable = {p.name: p for p in ws.packages if p.publish}
    pending = publish_edges(ws)
    result: list[list[Package]] = []
    done: set[str] = set()
    while pending:
        ready = sorted(name for name, deps in pending.items() if deps <= done)
        if not ready:
            raise cycle_error(ws, find_cycle({n: pending[n] - done for n in pending}))
        result.append([publishable[name] for name in ready])
        done.update(ready)
        for name in ready:
            del pending[name]
    return result


def check_acyclic(ws: Workspace) -> None:
    """Every member (publishable or not): a cycle of normal/build dependencies is an error."""
    names = {p.name for p in ws.packages}
    edges = {p.name: p.ordering_deps() & names for p in ws.packages}
    cycle = find_cycle(edges)
    if cycle:
        raise cycle_error(ws, cycle)


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle as [a, b, ..., a], or [] when there is none. Iterative DFS, sorted for stable output."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    for start in sorted(edges):
        if state.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(edges.get(start, ())))]
        state[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                continue
            nxt = todo.pop(0)
            if state.get(nxt) == 1:
                path = [n for n, _ in stack]
                return [*path[path.index(nxt) :], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, sorted(edges.get(nxt, ()))))
    return []


def cycle_error(ws: Workspace, cycle: list[str]) -> WorkspaceError:
    text = " -> ".join(cycle)
    first = ws.package(cycle[0]) if cycle and ws.has(cycle[0]) else None
    where = f"{first.manifest}: " if first else ""
    return WorkspaceError(
        f"{where}dependency cycle: {text}",
        hint="break the cycle: move the shared code into a new package, or make one edge a dev-dependency",
    )
