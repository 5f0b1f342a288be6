"""The PostgreSQL backend: django-prometheus's (query metrics) with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a persistent connection at its first use in every request with a
`SELECT 1` - a round trip to the server on every request that touches the database. An idle connection
whose server went away (a restart, a terminated backend, a crash) has something to read: the server's
FATAL message or the end of the stream. So when the socket of an idle connection has nothing to read, the
connection is as good as the `SELECT 1` would have found it, and the check is skipped; when it has,
Django's own check runs (and closes the connection if it fails).
"""

import select

from django_prometheus.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_done: bool
    health_check_enabled: bool

    def _quietly_idle(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._quietly_idle()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
