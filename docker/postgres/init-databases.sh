#!/bin/sh
# Runs once, when the postgres container starts on an empty data directory (docker-entrypoint-initdb.d).
# OPhir's tables live in ophir_db (POSTGRES_DB); n8n's own tables get a database of their own.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE DATABASE n8n;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
