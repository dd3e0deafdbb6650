"""A tenant app that exists only in migrate_shops' tests (tests/tenancy/upgrade_settings.py
installs it in a subprocess; each migrations_vN package is one release of it)."""
