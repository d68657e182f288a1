# Single entry point; the logic lives in scripts/.
#   make demo                 venv + sao + demo database, then run the server
#   make test                 all tests on SQLite
#   make test DB=postgresql   all tests on a throwaway PostgreSQL cluster
#   make test ARGS=addons/crm_sales/tests   only some tests (pytest args)
#   make test JOBS=2          in 2 processes (default: all cores for the
#                             whole suite, 1 when ARGS is given)
DB ?= sqlite
ARGS ?=
JOBS ?=

.PHONY: demo test test-postgresql bootstrap clean

demo:
	scripts/demo.sh

test:
	JOBS=$(JOBS) scripts/test.sh $(DB) $(ARGS)

test-postgresql:
	JOBS=$(JOBS) scripts/test.sh postgresql $(ARGS)

bootstrap:
	scripts/bootstrap.sh

clean:
	rm -rf var .cache .pytest_cache
