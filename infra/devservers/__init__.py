"""The local servers and tools that `make demo`, `make test` and the benchmarks start on 127.0.0.1.

`prefect.py` is the background Prefect server of a JUNKAN_HOME (`junkan server`, and `scripts/prefect.sh` for
the tests and the Makefile); `loopback.py` free ports and log tails; `scripts/` starts MinIO, PostgreSQL and
Chromium, builds MinIO and osv-scanner from source (`audit.sh`) and checks the README's Trino instructions;
`services.mk` is their Makefile targets. Nothing here is imported by the pipeline's stages.
"""
