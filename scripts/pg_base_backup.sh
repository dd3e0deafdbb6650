#!/bin/sh
# A physical base backup of the whole PostgreSQL cluster, for point-in-time
# recovery with the archived WAL (docs/operations.md, "Backups").
#
#   DIRECT_DATABASE_URL  the server itself, never a pooler (a user with the
#                        REPLICATION attribute); else PGHOST/PGPORT/PGUSER/PGPASSWORD
#   BACKUP_DIR           where backups go, one folder each (default /backups/base)
#   BACKUP_KEEP          how many to keep (default 7); older ones are removed
#   WAL_ARCHIVE          the folder archive_command writes to, if this machine
#                        sees it: WAL older than the oldest kept backup is removed
#
# Each backup is <UTC time>/base.tar.gz (+ pg_wal.tar.gz, the WAL written
# during the backup: a backup restores on its own) and backup_manifest, which
# pg_verifybackup checks. Written to <name>.partial first, renamed when whole.
set -eu
BACKUP_DIR=${BACKUP_DIR:-/backups/base}
BACKUP_KEEP=${BACKUP_KEEP:-7}
name=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR"
rm -rf "$BACKUP_DIR/$name.partial"
set -- --pgdata="$BACKUP_DIR/$name.partial" --format=tar --gzip --wal-method=stream --checkpoint=fast \
    --label="zargar $name" --no-password
if [ -n "${DIRECT_DATABASE_URL:-}" ]; then
    set -- "$@" --dbname="$DIRECT_DATABASE_URL"
fi
pg_basebackup "$@"
mv "$BACKUP_DIR/$name.partial" "$BACKUP_DIR/$name"
echo "base backup $BACKUP_DIR/$name: $(du -sh "$BACKUP_DIR/$name" | cut -f1)"

# Retention: the newest BACKUP_KEEP backups, and the WAL from the oldest of them on.
ls -1 "$BACKUP_DIR" | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort -r | tail -n +"$((BACKUP_KEEP + 1))" | while read -r old; do
    rm -rf "${BACKUP_DIR:?}/$old"
done
if [ -n "${WAL_ARCHIVE:-}" ] && [ -d "$WAL_ARCHIVE" ]; then
    oldest=$(ls -1 "$BACKUP_DIR" | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort | head -n 1)
    # backup_label: START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
    start=$(tar -xzOf "$BACKUP_DIR/$oldest/base.tar.gz" backup_label | sed -n 's/^START WAL LOCATION: .*(file \([0-9A-F]*\))$/\1/p')
    if [ -n "$start" ]; then
        # WAL segment names sort in WAL order; timeline .history files are kept.
        ls -1 "$WAL_ARCHIVE" | awk -v start="$start" 'length($0) >= 24 && $0 !~ /\.history$/ && substr($0, 1, 24) < start' |
            while read -r wal; do rm -f "${WAL_ARCHIVE:?}/$wal"; done
    fi
fi
