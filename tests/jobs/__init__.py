"""Background jobs: the worker, its lease and crash recovery, transcripts off the request path."""
