"""Production settings: refuse to start without a secret, pass check --deploy."""
import secrets
import subprocess
import sys

from tests.conftest import child_env

SECRET = secrets.token_urlsafe(50)


def manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], env=child_env(DJANGO_SETTINGS_MODULE="config.settings.production", **env),
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key():
    done = manage("check", SECRET_KEY="")
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


def test_production_passes_check_deploy_with_no_warnings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=SECRET, ALLOWED_HOSTS=".zargar.example.com")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_settings_come_from_the_environment():
    code = "from django.conf import settings as s; print(s.ALLOWED_HOSTS, s.REDIS_URL, s.DATABASES['default']['NAME'])"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=child_env(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=SECRET, ALLOWED_HOSTS="a.example,b.example",
                      REDIS_URL="redis://cache.internal:6379/3", DATABASE_URL="postgres://u:p@db.internal:5432/shopdb"),
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['a.example', 'b.example'] redis://cache.internal:6379/3 shopdb"
