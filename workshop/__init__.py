"""The workshop's exercises (docs/workshop.md): their contract tests and their solutions."""
