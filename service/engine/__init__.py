"""The analysis engine: no Flask here, shared by the service and training."""
