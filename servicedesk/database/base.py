"""Django's PostgreSQL backend, with prepared statements that survive a migration.

psycopg prepares a statement a connection keeps running (settings:
DATABASE_PREPARE_THRESHOLD). PostgreSQL refuses a prepared statement once a column it
returns has changed type ("cached plan must not change result type"), as after a
migration that lengthens a CharField while the app runs, and psycopg goes on sending it:
every later run on that connection would fail until the process restarts. This backend
answers the refusal by deallocating the connection's prepared statements (psycopg forgets
its own when it sees DEALLOCATE ALL) and, outside a transaction, where the refused
statement did nothing, by running it once more. Inside one, the error stands: the
transaction is aborted, and its rollback makes psycopg forget them as well.
"""

from django.db import NotSupportedError
from django.db.backends.postgresql import base

CHANGED_RESULT_TYPE = "cached plan must not change result type"


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._prepared_again)

    def _prepared_again(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except NotSupportedError as error:
            if CHANGED_RESULT_TYPE not in str(error) or not self.get_autocommit():
                raise
            self.connection.execute("DEALLOCATE ALL")
            return execute(sql, params, many, context)
