"""The bundled local Python package index: the real pypiserver on 127.0.0.1, uploads guarded by a
token, uploads stored whole or not at all, and refused where PyPI refuses them."""

from release_train.registries.local_pypi.server import USER, PypiServer

__all__ = ["USER", "PypiServer"]
