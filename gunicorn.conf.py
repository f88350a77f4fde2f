"""gunicorn's settings wherever the portal is served (the image, docker-compose, the README's stack, bench/run):
gunicorn reads this file from the directory it starts in."""

import os

# Sync workers: one per core unless WEB_CONCURRENCY says otherwise (each holds about 100 MB). On the 2-core bench
# machine, with PostgreSQL and Redis on it too, five workers (gunicorn's "2 × cores + 1") served the logged-in floor
# at 413–429 req/s where two served 660–746 (bench/run, alternating in one sitting): more processes than cores
# only queued for them. A machine whose database runs elsewhere may want more.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
