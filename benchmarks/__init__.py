"""Benchmarks of junkan against a Polars floor and a plain pandas pipeline (issue 5); run `make bench`."""
