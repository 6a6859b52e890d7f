"""The trust portal: a small Starlette web app where a trust's data manager uploads a month's
extract, sees the pre-flight findings with how to fix each, confirms it into the landing zone
and follows their submissions' history; the network team sees every trust and who is late.

It never writes the warehouse: statuses come from the published DuckDB copy (or Postgres), and
its own state (users, sessions, uploads, audit log) lives in ``$SPASTICITY_HOME/portal/portal.db``.
"""
