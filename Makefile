# Two commands set everything up on a fresh machine: `make run` and `make test`.
.PHONY: run test bootstrap bench clean

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@scripts/run.sh

test: bootstrap
	@scripts/test.sh $(ARGS)

clean:
	rm -rf .venv var staticfiles .pytest_cache .hypothesis
