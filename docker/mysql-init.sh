#!/bin/bash
# The mysql service runs this once, when it initialises its data volume (docker-entrypoint-initdb.d):
# one database per Interflow process — departments never share an outbox (each dispatcher would claim
# the others' rows) — and one user per process that may use only its own database. Each user's
# password is the first line of its secret NAME_db_password; it is quoted for SQL here and never put
# into a URL (the processes read it through INTERFLOW_DB_PASSWORD_FILE), so any character works.
#
# test/federation/compose.mysql.test.ts runs this same script against the local MariaDB, with
# INTERFLOW_DB_PREFIX (names of its own run), INTERFLOW_DB_SECRETS and MYSQL_CLIENT set.
set -euo pipefail

INTERFLOW_DATABASES="registry market tax fire"
prefix="${INTERFLOW_DB_PREFIX:-interflow_}"
secrets="${INTERFLOW_DB_SECRETS:-/run/secrets}"
# In the container the root password comes from MYSQL_ROOT_PASSWORD(_FILE), which the entrypoint exports.
if [ -n "${MYSQL_ROOT_PASSWORD:-}" ]; then export MYSQL_PWD="$MYSQL_ROOT_PASSWORD"; fi
read -r -a client <<< "${MYSQL_CLIENT:-mysql --protocol=socket -uroot}"

sql_string() { # a single-quoted SQL string literal (backslash escapes on, the server default)
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\'\'}"
}

for name in $INTERFLOW_DATABASES; do
  db="${prefix}${name}"
  password="$(head -n 1 "$secrets/${name}_db_password")"
  [ -n "$password" ] || { echo "mysql-init: $secrets/${name}_db_password is empty" >&2; exit 1; }
  "${client[@]}" <<SQL
CREATE DATABASE IF NOT EXISTS \`$db\`;
CREATE USER IF NOT EXISTS '$db'@'%' IDENTIFIED BY $(sql_string "$password");
ALTER USER '$db'@'%' IDENTIFIED BY $(sql_string "$password");
GRANT ALL PRIVILEGES ON \`$db\`.* TO '$db'@'%';
SQL
done
