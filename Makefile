# Two commands set everything up on a fresh machine: `make run` and `make test`.
.PHONY: run test bootstrap bench bench-sync bench-dashboard bench-outbox clean

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@scripts/run.sh

test: bootstrap
	@scripts/test.sh $(ARGS)

# Benchmarks print figures and write them to bench-results/; they are not tests.
bench: bench-sync bench-dashboard bench-outbox bench-locust

bench-sync: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@.venv/bin/python scripts/bench_sync.py $(ARGS)

# The dashboard page and API under gunicorn on a bench shop with over a
# million sales (seeded set-wise on the first run): p50 / p95 / p99.
bench-dashboard: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@.venv/bin/python scripts/bench_dashboard.py $(ARGS)

# A broker outage: what it costs a request, and how long the outbox takes to
# drain once Redis is back (30 terminals' burst; a Redis of its own, killed
# and restarted; a real worker and beat).
bench-outbox: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@.venv/bin/python scripts/bench_outbox_outage.py $(ARGS)

# Background work against the number of shops: 1,000 shops, 10 with work;
# tasks sent per outbox tick and seconds, before and after (docs/background-work.md).
.PHONY: bench-shopwork
bench-shopwork: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null
	@LOG_LEVEL=WARNING .venv/bin/python scripts/bench_shopwork.py $(ARGS)

clean:
	rm -rf .venv var staticfiles .pytest_cache .hypothesis

# Locust load of the bench shop: POS terminals and staff API users (tests/performance/README.md).
# make bench-locust ARGS="20 5 30s"   (users, spawn rate per second, run time)
.PHONY: bench-locust
bench-locust: bootstrap
	@scripts/run_performance_tests.sh $(ARGS)
