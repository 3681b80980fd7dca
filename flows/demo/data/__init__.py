"""Demo and real members' data: the seeded demo generator and the converters of the real public datasets.

They make files as members would send them; `flows/demo/__init__.py` runs them through the pipeline.
"""
