"""A developer's machine: debug on, a fixed insecure key nobody deploys."""
from .base import *  # noqa: F401,F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "local-insecure-key-only-for-development-0123456789abcdef")
