.PHONY: check lint test bench sample
check: lint test

lint:
	ruff check reporter tests bench
	mypy reporter

test:
	python -m pytest

bench:
	python bench/bench_parse_ledger.py
	python bench/bench_forms_collect.py

sample:
	reporter --workspace examples/ningbo run
