"""Triskel: checks whether a social business holds together across its three layers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("triskel")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
