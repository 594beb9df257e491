#!/usr/bin/env bash
# backup.sh: online backup and restore of miniter's MariaDB (the logic is in
# scripts/lib/miniter_backup.py; docs/operations.md, "Backups and restore",
# has the procedure and says why it is mariadb-dump --single-transaction).
#
#   scripts/backup.sh take    --database_url_file=FILE --out=BACKUP.sql.gz
#   scripts/backup.sh restore --database_url_file=FILE --from=BACKUP.sql.gz \
#                             (--redis_url=URL | --no_tier)
#   scripts/backup.sh verify  --database_url_file=FILE
#
# The database may also be given as --database_url=mysql://... or in the
# environment variable MINITER_DATABASE_URL. For the private MariaDB of
# scripts/run.sh the URL file is .miniter/mariadb/database_url.
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/lib/miniter_backup.py" "$@"
