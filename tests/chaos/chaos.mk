# Faults survived: included by the Makefile.
#   make chaos   fault-injection tests against real MinIO, PostgreSQL and Prefect (tests/chaos), the fuzz tests at
#                `make fuzz`'s scale (FUZZ_EXAMPLES), then a table: faults injected, runs recovered, rows
#                read/accepted/quarantined/published, lost and duplicated (both must be 0) and the fuzz counts
#                (tried, crashed, lost: both 0). Fails when any of those fails.
CHAOS_DIR ?= .junkan/chaos

.PHONY: chaos chaos-smoke

chaos: install
	rm -rf $(CHAOS_DIR) && mkdir -p $(CHAOS_DIR)
	-JUNKAN_CHAOS_STATS=$(abspath $(CHAOS_DIR))/chaos.jsonl $(RUN) pytest -m chaos -q tests/chaos; \
		echo $$? > $(CHAOS_DIR)/chaos.exit
	-JUNKAN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) JUNKAN_FUZZ_STATS=$(abspath $(CHAOS_DIR))/fuzz.json \
		$(RUN) pytest -q -n $(UNIT_WORKERS) --dist worksteal tests/unit/fuzz; echo $$? > $(CHAOS_DIR)/fuzz.exit
	$(RUN) python tests/chaos/table.py $(CHAOS_DIR)/chaos.jsonl $(CHAOS_DIR)/fuzz.json
	@test "$$(cat $(CHAOS_DIR)/chaos.exit)" = 0 && test "$$(cat $(CHAOS_DIR)/fuzz.exit)" = 0

## chaos-smoke: two faults and a short fuzz run, with the same table (part of make test). After `make unit` (as in
## make test) the fuzz counts are the ones its run of the same fuzz tests wrote: the tests run once.
chaos-smoke: install
	rm -rf $(CHAOS_DIR) && mkdir -p $(CHAOS_DIR)
	-JUNKAN_CHAOS_STATS=$(abspath $(CHAOS_DIR))/chaos.jsonl $(RUN) pytest -m chaos -q tests/chaos \
		-k "killed_after_validation_before_publish or notified_twice"; echo $$? > $(CHAOS_DIR)/chaos.exit
	-if [ -s $(UNIT_FUZZ_STATS) ]; then cp $(UNIT_FUZZ_STATS) $(CHAOS_DIR)/fuzz.json && echo 0; else \
		JUNKAN_FUZZ_STATS=$(abspath $(CHAOS_DIR))/fuzz.json $(RUN) pytest -q tests/unit/fuzz >&2; echo $$?; \
		fi > $(CHAOS_DIR)/fuzz.exit
	$(RUN) python tests/chaos/table.py $(CHAOS_DIR)/chaos.jsonl $(CHAOS_DIR)/fuzz.json
	@test "$$(cat $(CHAOS_DIR)/chaos.exit)" = 0 && test "$$(cat $(CHAOS_DIR)/fuzz.exit)" = 0
