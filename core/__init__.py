"""What every app uses and that knows nothing of albums or photos: the
refusals views raise (errors), the middleware that answers them, the rate
limiter and file storage. Imports go one way: core <- albums <- photos <- accounts
(import-linter's contract in pyproject.toml)."""
