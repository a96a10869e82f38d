"""Standing: the shared package of the Lambda layer (domain, adapters, programs, templates)."""
