"""Many films from one jobs file: rows, one budget, in this process or on a Dask cluster."""
