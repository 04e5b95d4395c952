.PHONY: check lint test bench
check: lint test

lint:
	ruff check reporter tests bench

test:
	python -m pytest

bench:
	python bench/bench_parse_ledger.py
