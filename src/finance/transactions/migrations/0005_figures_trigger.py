"""PostgreSQL keeps the pre-aggregated figures of every transaction in the same database transaction.

A row trigger on transactions_transaction adds a new or changed row's figures to transactions_accountday,
transactions_categoryday and transactions_categorymonth (an upsert) and takes an old or deleted row's
figures away (an update: the rows it counts must exist already, and when the account itself is being
deleted, they may have gone first). docs/adr/0007-pre-aggregated-figures.md explains the design.
The existing rows' figures are computed once here. Other databases (SQLite for local work) need nothing:
their reports read the rows.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION transactions_figures_apply(t transactions_transaction, sign integer)
RETURNS void AS $$
DECLARE
    in_income numeric := CASE WHEN t.type = 'income' THEN t.amount ELSE 0 END;
    in_expense numeric := CASE WHEN t.type = 'expense' THEN t.amount ELSE 0 END;
    in_transfers numeric := CASE WHEN t.type = 'transfer' AND t.direction = 'in' THEN t.amount ELSE 0 END;
    out_transfers numeric := CASE WHEN t.type = 'transfer' AND t.direction = 'out' THEN t.amount ELSE 0 END;
BEGIN
    IF sign > 0 THEN
        INSERT INTO transactions_accountday AS d
            (user_id, account_id, date, income, expense, transfers_in, transfers_out, count)
        VALUES (t.user_id, t.account_id, t.date, in_income, in_expense, in_transfers, out_transfers, 1)
        ON CONFLICT (account_id, date) DO UPDATE SET
            income = d.income + EXCLUDED.income,
            expense = d.expense + EXCLUDED.expense,
            transfers_in = d.transfers_in + EXCLUDED.transfers_in,
            transfers_out = d.transfers_out + EXCLUDED.transfers_out,
            count = d.count + 1;
    ELSE
        UPDATE transactions_accountday SET
            income = income - in_income,
            expense = expense - in_expense,
            transfers_in = transfers_in - in_transfers,
            transfers_out = transfers_out - out_transfers,
            count = count - 1
        WHERE account_id = t.account_id AND date = t.date;
    END IF;

    IF t.category_id IS NULL THEN  -- a transfer leg: no category figures
        RETURN;
    END IF;
    IF sign > 0 THEN
        INSERT INTO transactions_categoryday AS d (user_id, account_id, category_id, date, amount, count)
        VALUES (t.user_id, t.account_id, t.category_id, t.date, t.amount, 1)
        ON CONFLICT (account_id, category_id, date) DO UPDATE SET
            amount = d.amount + EXCLUDED.amount, count = d.count + 1;
        INSERT INTO transactions_categorymonth AS d (user_id, account_id, category_id, month, amount, count)
        VALUES (t.user_id, t.account_id, t.category_id, date_trunc('month', t.date::timestamp)::date, t.amount, 1)
        ON CONFLICT (account_id, category_id, month) DO UPDATE SET
            amount = d.amount + EXCLUDED.amount, count = d.count + 1;
    ELSE
        UPDATE transactions_categoryday SET amount = amount - t.amount, count = count - 1
        WHERE account_id = t.account_id AND category_id = t.category_id AND date = t.date;
        UPDATE transactions_categorymonth SET amount = amount - t.amount, count = count - 1
        WHERE account_id = t.account_id AND category_id = t.category_id
          AND month = date_trunc('month', t.date::timestamp)::date;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION transactions_figures() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM transactions_figures_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM transactions_figures_apply(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER transactions_figures
    AFTER INSERT OR DELETE OR UPDATE OF user_id, account_id, category_id, type, direction, amount, date
    ON transactions_transaction
    FOR EACH ROW EXECUTE FUNCTION transactions_figures();

INSERT INTO transactions_accountday
    (user_id, account_id, date, income, expense, transfers_in, transfers_out, count)
SELECT user_id, account_id, date,
       COALESCE(SUM(amount) FILTER (WHERE type = 'income'), 0),
       COALESCE(SUM(amount) FILTER (WHERE type = 'expense'), 0),
       COALESCE(SUM(amount) FILTER (WHERE type = 'transfer' AND direction = 'in'), 0),
       COALESCE(SUM(amount) FILTER (WHERE type = 'transfer' AND direction = 'out'), 0),
       COUNT(*)
FROM transactions_transaction
GROUP BY user_id, account_id, date;

INSERT INTO transactions_categoryday (user_id, account_id, category_id, date, amount, count)
SELECT user_id, account_id, category_id, date, SUM(amount), COUNT(*)
FROM transactions_transaction WHERE category_id IS NOT NULL
GROUP BY user_id, account_id, category_id, date;

INSERT INTO transactions_categorymonth (user_id, account_id, category_id, month, amount, count)
SELECT user_id, account_id, category_id, date_trunc('month', date::timestamp)::date, SUM(amount), COUNT(*)
FROM transactions_transaction WHERE category_id IS NOT NULL
GROUP BY user_id, account_id, category_id, date_trunc('month', date::timestamp)::date;
"""

DROP = """
DROP TRIGGER IF EXISTS transactions_figures ON transactions_transaction;
DROP FUNCTION IF EXISTS transactions_figures();
DROP FUNCTION IF EXISTS transactions_figures_apply(transactions_transaction, integer);
DELETE FROM transactions_categorymonth;
DELETE FROM transactions_categoryday;
DELETE FROM transactions_accountday;
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("transactions", "0004_transfer_legs")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
