"""The twins as real servers, for every suite that tests them over HTTP.

- server.py: `Server` starts one twin through its own serve.sh under Gunicorn, on a free port,
  with a fresh database, and stops it; `Flavour` says how it is configured.
- pool.py: `ServerPool` starts the servers a test run needs early, and hands each out when a
  test first asks for it.
- client.py: `Api`, a client for one live twin.
- postgres.py: a database of its own per server on a PostgreSQL server.
- guard.py: what every server runs under, so that it ends when the process that started it
  ends, however that ends, on macOS as on Linux.
"""
