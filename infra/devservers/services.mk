# Real servers for development, on 127.0.0.1 only, state under $(JUNKAN_HOME). Included by the Makefile.
#   make services        MinIO (built from source once, cached in ~/.cache/junkan) and PostgreSQL
#   make services-stop   stop both
# Ports: JUNKAN_MINIO_PORT (9000), JUNKAN_MINIO_CONSOLE_PORT (9001), JUNKAN_POSTGRES_PORT (55432).
JUNKAN_HOME ?= .junkan
export JUNKAN_HOME

.PHONY: minio minio-install minio-stop postgres postgres-stop prefect prefect-stop services services-stop trino-check

## minio-install: build the pinned MinIO from source with Go (skipped when already built)
minio-install:
	bash infra/devservers/scripts/minio.sh install

## minio: start MinIO; credentials from JUNKAN_S3_ACCESS_KEY / JUNKAN_S3_SECRET_KEY or dev defaults
minio:
	bash infra/devservers/scripts/minio.sh start

minio-stop:
	bash infra/devservers/scripts/minio.sh stop

## postgres: start a private PostgreSQL cluster and print the URL of database junkan
postgres:
	bash infra/devservers/scripts/postgres.sh start

postgres-stop:
	bash infra/devservers/scripts/postgres.sh stop

services: minio postgres

services-stop: minio-stop postgres-stop

## prefect: start a Prefect server on loopback (SQLite under $(JUNKAN_HOME), or PREFECT_API_DATABASE_CONNECTION_URL)
prefect:
	bash infra/devservers/scripts/prefect.sh start

prefect-stop:
	bash infra/devservers/scripts/prefect.sh stop

## trino-check: the README's Trino instructions for BI tools against Trino 476 (Maven Central, Java 25), MinIO and
## PostgreSQL on 127.0.0.1; not part of `make test` (an 800 MB download the first time)
trino-check: install
	bash infra/devservers/scripts/trino_check.sh
