"""Every configuration variable of the project, for the tests that check its documentation."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pydantic_settings import BaseSettings

import cadabra
import processors
import producers
import sinks
from cadabra import config

__all__ = ["settings_env_names"]


@cache
def settings_env_names() -> dict[str, str]:
    """The variables of cadabra.config's settings and of every `settings` module of the
    cadabra, producers, processors and sinks packages."""
    classes = list(config.all_settings_classes())
    for package in (cadabra, producers, processors, sinks):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name.rsplit(".", 1)[-1] != "settings":
                continue
            loaded = importlib.import_module(module.name)
            classes += [
                value
                for value in vars(loaded).values()
                if isinstance(value, type)
                and issubclass(value, BaseSettings)
                and value.__module__ == loaded.__name__
            ]
    return config.settings_env_names(classes)
