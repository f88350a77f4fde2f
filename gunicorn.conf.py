"""gunicorn's settings wherever the portal is served (the image, docker-compose, the README's stack, bench/run):
gunicorn reads this file from the directory it starts in."""

import os

# Sync workers, as many as gunicorn advises: two per core and one more. With only one per core, a slow page (a
# physio's home over a large caseload: 200 ms) held half of a 2-core server, and every request behind it waited:
# the evening peak's p95 was 518 ms with 2 workers and 360 ms with 5 (bench/run, one sitting). WEB_CONCURRENCY
# sets another number (each worker holds about 100 MB).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
