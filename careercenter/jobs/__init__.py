"""Background jobs: work queued in the request's transaction, done by `flask jobs run` workers."""
