# Single entry point; the logic lives in scripts/.
#   make demo                 venv + sao + demo database, then run the server
#   make test                 all tests on SQLite
#   make test DB=postgresql   all tests on a throwaway PostgreSQL cluster
#   make test ARGS=addons/crm_sales/tests   only some tests (pytest args)
DB ?= sqlite
ARGS ?=

.PHONY: demo test test-postgresql bootstrap clean

demo:
	scripts/demo.sh

test:
	scripts/test.sh $(DB) $(ARGS)

test-postgresql:
	scripts/test.sh postgresql $(ARGS)

bootstrap:
	scripts/bootstrap.sh

clean:
	rm -rf var .cache .pytest_cache
