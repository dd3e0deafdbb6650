# Two commands set everything up on a fresh machine: `make run` and `make test`.
.PHONY: run test bootstrap bench bench-sync bench-dashboard bench-outbox bench-provision bench-pooling bench-migrate clean

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

# An upgrade at N shops (default 1,000): migrate_shops with nothing to apply and
# with a column and an index generated at bench time (docs/operations.md, "Upgrades").
# make bench-migrate ARGS="--shops 1000 --connections 4"
bench-migrate: bootstrap
	@.venv/bin/python scripts/bench_migrate.py $(ARGS)

# Provisioning at 1, 1,000 and 5,000 existing shops (a database of its own,
# zargar_bench_provision, kept for the next run): service time per new shop.
bench-provision: bootstrap
	@.venv/bin/python scripts/bench_provision.py $(ARGS)

# What the per-transaction search_path costs (DATABASE_POOL_MODE=transaction),
# straight to PostgreSQL and through a real PgBouncer (docs/pooling.md).
bench-pooling: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@PGBOUNCER="$${PGBOUNCER:-$$(scripts/pgbouncer.sh)}" .venv/bin/python scripts/bench_pooling.py $(ARGS)

# What a /metrics scrape costs with 0 to 10,000 shops in the outbox backlog
# and 1,000 open dead letters; what recording costs a request and a sweep.
.PHONY: bench-metrics
bench-metrics: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0
	@.venv/bin/python scripts/bench_metrics.py $(ARGS)

# Serving many shops: the same load on one shop and on 1,000 shops at random,
# interleaved; p50 / p95 / p99 and their ratio (a database of its own,
# zargar_bench_shops; docs/performance.md, "Many shops").
.PHONY: bench-shops
bench-shops: bootstrap
	@.venv/bin/python scripts/bench_many_shops.py $(ARGS)

# Background work against the number of shops: 1,000 shops, 10 with work;
# tasks sent per outbox tick and seconds, before and after (docs/background-work.md).
.PHONY: bench-shopwork
bench-shopwork: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null
	@LOG_LEVEL=WARNING .venv/bin/python scripts/bench_shopwork.py $(ARGS)

clean:
	rm -rf .venv var staticfiles .pytest_cache .hypothesis

# The staff pages and the counter's htmx actions at 20 Locust users under
# gunicorn, on a bench shop with 10,000 items and over a million sales (seeded
# set-wise on the first run): p50 / p95 / p99, worker CPU per request, the load.
# CPU per staff request on a small and a large bench shop, then 50 Locust
# users for throughput (docs/performance.md, "Staff pages and API at a fifth of the CPU").
# make bench-web ARGS="--sizes small --run-time 60s"
.PHONY: bench-web
bench-web: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@.venv/bin/python scripts/bench_web.py $(ARGS)

# make bench-ui ARGS="--run-time 60s"   (docs/performance.md, "Staff pages at 20 users")
# The browser terminal in Debian's Chromium on a shop with 10,000 items: the
# first full pull, and scanning into the cart offline (docs/performance.md).
.PHONY: bench-terminal
bench-terminal: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@.venv/bin/python scripts/bench_terminal.py $(ARGS)

.PHONY: bench-ui
bench-ui: bootstrap
	@.venv/bin/python manage.py migrate_schemas --shared -v 0 && .venv/bin/python manage.py setup_platform >/dev/null \
		&& .venv/bin/python manage.py migrate_schemas -v 0
	@.venv/bin/python scripts/bench_ui.py $(ARGS)

# Locust load of the bench shop: POS terminals and staff API users (tests/performance/README.md).
# make bench-locust ARGS="20 5 30s"   (users, spawn rate per second, run time)
.PHONY: bench-locust
bench-locust: bootstrap
	@scripts/run_performance_tests.sh $(ARGS)
