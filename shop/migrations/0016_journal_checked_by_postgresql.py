"""On PostgreSQL the database itself checks the journal: each entry sums to zero per currency when the
transaction commits (a deferred constraint trigger), and journal rows are never updated or deleted.

SQLite has no such triggers worth their cost here: there the service (`post_entry`) and the models'
`save`/`delete` guards are the check, and `unbalanced_entries()` finds any forged row.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION shop_journal_entry_balanced() RETURNS trigger AS $$
    DECLARE
        unbalanced record;
    BEGIN
        SELECT currency, SUM(amount_minor) AS total INTO unbalanced
        FROM shop_journalline
        WHERE entry_id = NEW.entry_id
        GROUP BY currency
        HAVING SUM(amount_minor) <> 0
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'journal entry % does not balance in %: %', NEW.entry_id, unbalanced.currency,
                unbalanced.total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER shop_journalline_balanced
    AFTER INSERT OR UPDATE ON shop_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION shop_journal_entry_balanced()
    """,
    """
    CREATE OR REPLACE FUNCTION shop_journal_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the journal is append-only: % on % refused (post a correcting entry)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER shop_journalline_append_only BEFORE UPDATE OR DELETE ON shop_journalline
    FOR EACH ROW EXECUTE FUNCTION shop_journal_append_only()
    """,
    """
    CREATE TRIGGER shop_journalentry_append_only BEFORE UPDATE OR DELETE ON shop_journalentry
    FOR EACH ROW EXECUTE FUNCTION shop_journal_append_only()
    """,
]
DROP = [
    "DROP TRIGGER IF EXISTS shop_journalentry_append_only ON shop_journalentry",
    "DROP TRIGGER IF EXISTS shop_journalline_append_only ON shop_journalline",
    "DROP FUNCTION IF EXISTS shop_journal_append_only()",
    "DROP TRIGGER IF EXISTS shop_journalline_balanced ON shop_journalline",
    "DROP FUNCTION IF EXISTS shop_journal_entry_balanced()",
]


def _run(statements: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)  # no placeholders: its % are PL/pgSQL's

    return run


class Migration(migrations.Migration):
    dependencies = [("shop", "0015_reconciliation_reports")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
