"""Webhooks to registrar systems: Standard Webhooks signatures, an outbox table, a worker."""
