"""registrar: each award's API document kept ready on PostgreSQL, invalidated by triggers (issue 22)

`award_documents` holds, per award, the JSON object and the CSV line the registrar API sends
(`registrar/documents.py`). On PostgreSQL, triggers on every table the document reads clear the
document of each award a statement touches (`doc` and `csv` NULL, `stale_in` the transaction's
id), and the writing transaction builds it again before it commits; a page reads the kept
documents and builds only those still missing. `format` names the SQL that built a document: a
release that changes what an award carries changes it, and a page ignores documents of another
format until `flask registrar build-documents` has built them again. The triggers are statement-level with
transition tables, so a bulk load costs one statement per table, not one per row.

What a document reads, and so what invalidates it: the award itself; its student and its
approver, and the deciders of its trail (`people`: name, email, campus id); its rule; the
experiences of its request (`experiences`, `credit_request_experiences`) and their statements
of disagreement (`amendment_requests`); its request's decisions (`approval_decisions`).

Existing awards get a row with no document: a page builds it in the statement until
`flask registrar build-documents` has filled them. SQLite gets the table and no triggers (it
keeps the ORM path, which never reads it).

Revision ID: f3a8b61c2d07
Revises: e5a7c1d9b2f4
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "f3a8b61c2d07"
down_revision = "e5a7c1d9b2f4"
branch_labels = None
depends_on = None

#: award ids → their documents cleared, once a transaction
STALE = """CREATE FUNCTION award_documents_stale(award_ids integer[]) RETURNS void LANGUAGE sql AS $$
  UPDATE award_documents SET doc = NULL, csv = NULL, stale_in = txid_current()
  WHERE award_id = ANY(award_ids) AND (doc IS NOT NULL OR stale_in IS DISTINCT FROM txid_current())
$$"""

#: table → (the award ids its changed rows reach, from a transition table named `rows`;
#: the events; whether an UPDATE counts only when these columns changed)
SOURCES = {
    "credit_awards": ("SELECT id FROM rows", ("UPDATE",), None),
    "people": (
        "SELECT a.id FROM credit_awards a WHERE a.student_id IN (SELECT id FROM rows)"
        " OR a.approved_by_id IN (SELECT id FROM rows) OR a.request_id IN (SELECT d.request_id"
        " FROM approval_decisions d WHERE d.decided_by_id IN (SELECT id FROM rows)"
        " OR d.on_behalf_of_id IN (SELECT id FROM rows))",
        ("UPDATE",),
        ("display_name", "email", "campus_id"),
    ),
    "credit_rules": (
        "SELECT a.id FROM credit_awards a WHERE a.rule_id IN (SELECT id FROM rows)",
        ("UPDATE",),
        ("code", "version", "course_subject", "course_number", "course_title"),
    ),
    "experiences": (
        "SELECT a.id FROM credit_awards a JOIN credit_request_experiences c ON c.request_id = a.request_id"
        " WHERE c.experience_id IN (SELECT id FROM rows)",
        ("UPDATE",),
        ("employer", "title", "hours", "verified_hours", "start_date", "end_date", "verified_at"),
    ),
    "credit_request_experiences": (
        "SELECT a.id FROM credit_awards a WHERE a.request_id IN (SELECT request_id FROM rows)",
        ("INSERT", "UPDATE", "DELETE"),
        None,
    ),
    "amendment_requests": (
        "SELECT a.id FROM credit_awards a JOIN credit_request_experiences c ON c.request_id = a.request_id"
        " WHERE c.experience_id IN (SELECT experience_id FROM rows)",
        ("INSERT", "UPDATE", "DELETE"),
        None,
    ),
    "approval_decisions": (
        "SELECT a.id FROM credit_awards a WHERE a.request_id IN (SELECT request_id FROM rows)",
        ("INSERT", "UPDATE", "DELETE"),
        None,
    ),
}


def _function(table: str, reach: str, columns: tuple[str, ...] | None) -> str:
    """A trigger function: the award ids reached by the statement's rows, their documents cleared.

    `rows` is the statement's new rows (INSERT, UPDATE) and old rows (DELETE; and UPDATE, so
    that a row moved from one request to another clears both)."""
    changed = "SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows"
    if columns:
        differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in columns)
        changed = f"SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {differs}"
    return f"""CREATE FUNCTION award_documents_from_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM award_documents_stale(ARRAY(WITH rows AS (SELECT * FROM new_rows) {reach}));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM award_documents_stale(ARRAY(WITH rows AS (SELECT * FROM old_rows) {reach}));
  ELSE
    PERFORM award_documents_stale(ARRAY(WITH rows AS ({changed}) {reach}));
  END IF;
  RETURN NULL;
END $$"""


def _triggers(table: str, events: tuple[str, ...]) -> list[str]:
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
    tables["UPDATE"] = "NEW TABLE AS new_rows OLD TABLE AS old_rows"
    return [
        f"CREATE TRIGGER award_documents_{event.lower()} AFTER {event} ON {table} REFERENCING {tables[event]}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION award_documents_from_{table}()"
        for event in events
    ]


#: A new award gets its row, its document to be built by the transaction that made it.
NEW_AWARDS = """CREATE FUNCTION award_documents_for_new_awards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO award_documents (award_id, stale_in) SELECT id, txid_current() FROM new_rows;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        "award_documents",
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=True),
        sa.Column("csv", sa.Text(), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("stale_in", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["credit_awards.id"],
            name=op.f("fk_award_documents_award_id_credit_awards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("award_id", name=op.f("pk_award_documents")),
    )
    op.create_index(
        "ix_award_documents_stale_in",
        "award_documents",
        ["stale_in"],
        postgresql_where=sa.text("stale_in IS NOT NULL"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("INSERT INTO award_documents (award_id) SELECT id FROM credit_awards")
    op.execute(STALE)
    op.execute(NEW_AWARDS)
    op.execute(
        "CREATE TRIGGER award_documents_insert AFTER INSERT ON credit_awards REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION award_documents_for_new_awards()"
    )
    for table, (reach, events, columns) in SOURCES.items():
        op.execute(_function(table, reach, columns))
        for statement in _triggers(table, events):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER award_documents_insert ON credit_awards")
        op.execute("DROP FUNCTION award_documents_for_new_awards()")
        for table, (_reach, events, _columns) in SOURCES.items():
            for event in events:
                op.execute(f"DROP TRIGGER award_documents_{event.lower()} ON {table}")
            op.execute(f"DROP FUNCTION award_documents_from_{table}()")
        op.execute("DROP FUNCTION award_documents_stale(integer[])")
    op.drop_index(
        "ix_award_documents_stale_in", table_name="award_documents", postgresql_where=sa.text("stale_in IS NOT NULL")
    )
    op.drop_table("award_documents")
