.PHONY: run test quick lint bench clean
run:
	scripts/run serve
test:
	scripts/test
quick:
	scripts/test -m "not slow" -x
lint:
	. .venv/bin/activate && ruff check . && ruff format --check . && mypy .
bench:
	. .venv/bin/activate && python bench/engine.py
clean:
	rm -rf .venv var/*.db* .pytest_cache .mypy_cache .ruff_cache
