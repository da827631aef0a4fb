"""The admin's home: people and roles, sessions, API clients, the outbox, `flask doctor` as a page."""
