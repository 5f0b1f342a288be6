"""PostgreSQL tells the server processes when a user changes (finance.users.user_cache).

NOTIFY is transactional: listeners hear it when the changing transaction commits, never for a rollback.
Other databases (SQLite for local work) have no listeners and need nothing.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION finance_notify_user_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('finance_user_changed', '*');
    ELSE
        PERFORM pg_notify('finance_user_changed', OLD.id::text);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_user_notify_changed
    AFTER UPDATE OR DELETE ON users_user
    FOR EACH ROW EXECUTE FUNCTION finance_notify_user_changed();

CREATE TRIGGER users_user_notify_truncated
    AFTER TRUNCATE ON users_user
    FOR EACH STATEMENT EXECUTE FUNCTION finance_notify_user_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS users_user_notify_truncated ON users_user;
DROP TRIGGER IF EXISTS users_user_notify_changed ON users_user;
DROP FUNCTION IF EXISTS finance_notify_user_changed();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("users", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
