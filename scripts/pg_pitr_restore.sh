#!/bin/sh
# Prepares a new PostgreSQL data directory from a base backup
# (scripts/pg_base_backup.sh) and the WAL archive, for point-in-time recovery
# (docs/operations.md, "Backups"). Run it as the server's user; then start the
# server on DATA: it replays the archived WAL up to the target (default: all
# of it), promotes itself and serves.
#
#   scripts/pg_pitr_restore.sh BACKUP DATA WAL_ARCHIVE [TARGET]
#
# BACKUP is one backup's folder, DATA an empty or missing folder, TARGET
# empty (the end of the archive), a time ('2026-12-02 03:14:00+00') or
# name=<restore point> (SELECT pg_create_restore_point('<name>')).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BACKUP DATA WAL_ARCHIVE [TARGET]" >&2; exit 2; }
backup=$1 data=$2 archive=$3 target=${4:-}
[ -f "$backup/base.tar.gz" ] || { echo "$backup has no base.tar.gz" >&2; exit 1; }
if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
    echo "$data is not empty: restore into a new folder" >&2
    exit 1
fi
mkdir -p "$data"
chmod 700 "$data"
tar -xzf "$backup/base.tar.gz" -C "$data"
if [ -f "$backup/pg_wal.tar.gz" ]; then
    tar -xzf "$backup/pg_wal.tar.gz" -C "$data/pg_wal"
fi
{
    echo "# point-in-time recovery ($0, $(date -u +%FT%TZ))"
    echo "restore_command = 'cp \"$archive/%f\" \"%p\"'"
    case "$target" in
        "") ;;
        name=*) echo "recovery_target_name = '${target#name=}'" ;;
        *) echo "recovery_target_time = '$target'" ;;
    esac
    [ -z "$target" ] || echo "recovery_target_action = 'promote'"
} >> "$data/postgresql.auto.conf"
touch "$data/recovery.signal"
echo "$data is ready: start PostgreSQL on it to recover${target:+ to $target}"
