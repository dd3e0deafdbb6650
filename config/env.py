"""Small readers for environment variables, so settings stay declarative."""
import os
from typing import Callable, TypeVar

T = TypeVar("T")


def env(name: str, default: T, cast: Callable[[str], T] = str) -> T:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return cast(value)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]
