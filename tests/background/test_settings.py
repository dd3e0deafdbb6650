"""The Celery reliability settings and the beat schedule, as the app and the
task classes actually end up with them."""
import subprocess
import sys

from django.conf import settings

from config.celery_app import app
from tests.background.conftest import ROOT
from tests.conftest import child_env


def test_tasks_are_acknowledged_late_rejected_on_worker_loss_and_prefetched_one_at_a_time():
    conf = app.conf
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit > conf.task_soft_time_limit
    assert visibility > settings.CELERY_TASK_RETRY_BACKOFF_MAX


def test_every_project_task_retries_with_backoff_and_jitter_then_dead_letters():
    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if name.split(".")[0] in {"core", "customers", "reports", "inventory", "review"}]
    assert {t.name for t in ours} >= {
        "core.outbox_relay", "core.outbox_sweep", "core.fan_out", "review.notify", "core.retention",
        "customers.loyalty_events", "reports.daily_sales_events", "reports.daily_sales_rebuild",
        "inventory.stock_reconcile", "inventory.gold_rate_import",
    }
    for task in ours:
        assert task.autoretry_for == (Exception,), task.name
        assert task.retry_backoff and task.retry_jitter is True, task.name
        assert task.max_retries == settings.CELERY_TASK_MAX_RETRIES, task.name
        assert type(task).on_failure.__qualname__ == "BackgroundTask.on_failure", task.name


def test_beat_fans_every_periodic_job_out_over_the_shops_with_work():
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert set(schedule) >= {"outbox-sweep", "outbox-full-check", "stock-reconciliation", "stock-reconciliation-all",
                             "review-notification", "retention", "daily-sales-rebuild"}
    # The outbox tick sweeps the dirty shops; everything else is a fan-out,
    # narrowed by a work filter that exists, or to every shop.
    assert schedule["outbox-sweep"]["task"] == "core.outbox_dirty_sweep"
    assert schedule["outbox-sweep"]["schedule"] == settings.OUTBOX_SWEEP_SECONDS
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
        assert entry["kwargs"]["expires"] > 0, name
        if entry["task"] == "core.fan_out":
            assert entry["kwargs"]["task_name"] in app.tasks, name
            assert entry["kwargs"].get("only") in {None, *settings.SHOP_WORK_FILTERS}, name
    assert schedule["outbox-full-check"]["kwargs"]["only"] == "outbox_backlog"
    assert {name for name, entry in schedule.items() if entry["task"] == "core.fan_out" and not entry["kwargs"].get("only")} <= {
        "retention", "stock-reconciliation-all", "gold-rate-import"}


def _settings(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; {code}"],
                          env=child_env(**env), capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_the_gold_rate_import_is_scheduled_only_when_a_source_is_configured():
    code = "print('gold-rate-import' in s.CELERY_BEAT_SCHEDULE, s.GOLD_RATE_IMPORT_OPTIONS['url'])"
    assert _settings(code, GOLD_RATE_IMPORT_SOURCE="").stdout.split() == ["False"]
    done = _settings(code, GOLD_RATE_IMPORT_SOURCE="apps.inventory.rate_sources.HttpRateSource",
                     GOLD_RATE_IMPORT_URL="https://rates.example/gold.json")
    assert done.stdout.split() == ["True", "https://rates.example/gold.json"], done.stderr


def test_a_visibility_timeout_shorter_than_a_task_is_refused():
    done = _settings("print(s.CELERY_BROKER_TRANSPORT_OPTIONS)", CELERY_VISIBILITY_TIMEOUT="60")
    assert done.returncode != 0 and "CELERY_VISIBILITY_TIMEOUT must be longer" in done.stderr


def test_the_visibility_timeout_must_outlast_what_a_live_worker_holds():
    """A retry countdown (2 s doubled up to the 6th retry: 64 s), a wait for a
    free process and the run itself (a time limit each): 664 s by default."""
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 900
    done = _settings("print(s.CELERY_BROKER_TRANSPORT_OPTIONS)", CELERY_VISIBILITY_TIMEOUT="650")
    assert done.returncode != 0 and "(664 s)" in done.stderr
    done = _settings("print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])", CELERY_VISIBILITY_TIMEOUT="700")
    assert done.returncode == 0 and done.stdout.split() == ["700"], done.stderr


def test_a_periodic_sweep_outlives_its_interval_in_the_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry["kwargs"]["expires"] == settings.OUTBOX_SWEEP_EXPIRES > settings.OUTBOX_SWEEP_SECONDS
