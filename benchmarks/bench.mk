## bench: junkan vs a Polars floor vs plain pandas, side by side (SIZE=small|medium|full, default full);
## medians and ratios land in benchmarks/results/<date>-<size>.{json,md}. Full size: about 50 minutes on 2 cores.
SIZE ?= full
BENCH_WORK ?= $(or $(TMPDIR),/tmp)/junkan-bench

.PHONY: bench bench-smoke

bench: install
	$(RUN) python -m benchmarks.run --size $(SIZE) --work $(BENCH_WORK)

## bench-smoke: the small size as a smoke test (part of make test); results stay out of the repository
bench-smoke: install
	$(RUN) python -m benchmarks.run --size small --work $(BENCH_WORK) --out $(BENCH_WORK)/results
