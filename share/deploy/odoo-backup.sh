#!/bin/sh
# odoo-backup.sh - a nightly backup of one Odoo database, and its restore.
#
#   odoo-backup.sh [--dry-run] [--db NAME] [--dir DIR] [--keep DAYS]
#                  [--filestore DIR]
#   odoo-backup.sh --restore FILE [--dry-run] [--db NAME] [--filestore DIR]
#                  [--force] [--service NAME|none]
#
# A backup is one file DIR/NAME-YYYYmmddTHHMMSSZ.odoo.tar.gz holding
#   db.dump      pg_dump -Fc of the database (custom format: pg_restore
#                can restore all of it or pick tables)
#   filestore/   the attachments (FILESTORE, default
#                /var/lib/odoo/.local/share/Odoo/filestore/NAME: the
#                Debian package's data_dir)
#   SHA256SUMS   of the two, checked before a restore
# written under a temporary name and renamed when complete, so a crash
# leaves no half backup with the final name. Backups older than --keep
# days (default 14) are then removed; the newest is never removed.
#
# Restore, the exact steps this does (--dry-run prints them):
#   1. check the archive and its SHA256SUMS
#   2. stop the Odoo service (--service, default odoo; none for no service)
#   3. refuse if the database exists, unless --force: then rename it to
#      NAME_before_restore_TIME (nothing is dropped)
#   4. createdb NAME; pg_restore --no-owner --role=odoo (the role, when it
#      exists) -d NAME db.dump
#   5. move the present filestore aside (NAME.before_restore_TIME) and put
#      the archive's in its place
#   6. start the service
#
# Run it as a user that can connect to PostgreSQL and read the filestore
# (the odoo user: `sudo -u odoo odoo-backup.sh`, or root with PGUSER=odoo);
# the PG* environment (PGHOST, PGPORT, PGUSER) picks the server. Nightly,
# in odoo's crontab:
#   30 2 * * * odoo-backup.sh --db odoo --dir /var/backups/odoo --keep 14
set -eu

DRY=0
DB=odoo
DIR=/var/backups/odoo
KEEP=14
FILESTORE=""
RESTORE=""
FORCE=0
SERVICE=odoo

usage() {
	echo "usage: odoo-backup.sh [--dry-run] [--db NAME] [--dir DIR] [--keep DAYS] [--filestore DIR]" >&2
	echo "       odoo-backup.sh --restore FILE [--dry-run] [--db NAME] [--filestore DIR] [--force] [--service NAME|none]" >&2
	exit 2
}

# die, step and run come from common.sh, beside this script
PROG=odoo-backup
here_common=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here_common/common.sh"

while [ $# -gt 0 ]; do
	case $1 in
	-n|--dry-run) DRY=1 ;;
	--db) DB=${2:?}; shift ;;
	--dir) DIR=${2:?}; shift ;;
	--keep) KEEP=${2:?}; shift ;;
	--filestore) FILESTORE=${2:?}; shift ;;
	--restore) RESTORE=${2:?}; shift ;;
	--force) FORCE=1 ;;
	--service) SERVICE=${2:?}; shift ;;
	-h|--help) usage ;;
	*) echo "odoo-backup: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
case $DB in
[A-Za-z]*) ;;
*) die "bad database name: $DB" ;;
esac
case $DB in *[!A-Za-z0-9_-]*) die "bad database name: $DB" ;; esac
case $KEEP in
''|*[!0-9]*|0) die "--keep wants a number of days from 1" ;;
esac
: "${FILESTORE:=/var/lib/odoo/.local/share/Odoo/filestore/$DB}"
NOW=$(date -u +%Y%m%dT%H%M%SZ)

say() {
	echo "odoo-backup: $*"
}

# psql_value SQL: one value from the maintenance database.
psql_value() {
	psql -X -At -d postgres -c "$1"
}

db_exists() {
	[ "$(psql_value "select count(*) from pg_database where datname = '$1'")" = 1 ]
}

service() {
	if [ "$SERVICE" = none ]; then
		say "   (--service none: no service to $1)"
		return 0
	fi
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		run systemctl "$1" "$SERVICE"
	else
		say "no systemd here: $1 the Odoo service ($SERVICE) yourself"
	fi
}

backup() {
	final=$DIR/$DB-$NOW.odoo.tar.gz
	say "backup of database $DB and $FILESTORE -> $final"
	run mkdir -p "$DIR"
	if [ "$DRY" = 1 ]; then
		echo "+ pg_dump -Fc -d $DB -f STAGE/db.dump"
		echo "+ cp -a $FILESTORE STAGE/filestore"
		echo "+ tar -C STAGE -czf $final.tmp db.dump filestore SHA256SUMS; mv $final.tmp $final"
	else
		stage=$(mktemp -d "$DIR/.stage.XXXXXX")
		trap 'rm -rf "$stage" "$final.tmp"' EXIT
		pg_dump -Fc -d "$DB" -f "$stage/db.dump"
		if [ -d "$FILESTORE" ]; then
			cp -a "$FILESTORE" "$stage/filestore"
		else
			say "warning: no filestore at $FILESTORE (a database without attachments?)"
			mkdir "$stage/filestore"
		fi
		(cd "$stage" && { echo db.dump; find filestore -type f; } | sort |
		    tr '\n' '\0' | xargs -0 sha256sum >SHA256SUMS)
		tar -C "$stage" -czf "$final.tmp" db.dump filestore SHA256SUMS
		sync "$final.tmp" 2>/dev/null || sync
		mv "$final.tmp" "$final"
		rm -rf "$stage"
		trap - EXIT
		say "wrote $final ($(du -h "$final" | cut -f1))"
	fi
	# rotation: older than KEEP days, never the newest
	newest=$(find "$DIR" -maxdepth 1 -name "$DB-*.odoo.tar.gz" 2>/dev/null | sort | tail -n 1)
	find "$DIR" -maxdepth 1 -name "$DB-*.odoo.tar.gz" -mmin +$((KEEP * 1440)) 2>/dev/null |
	    sort | while IFS= read -r old; do
		[ "$old" = "$newest" ] && continue
		say "removing $old (older than $KEEP days)"
		run rm -f "$old"
	done
}

restore() {
	file=$RESTORE
	[ -f "$file" ] || die "$file: no such backup"
	say "restore of $file into database $DB and $FILESTORE"
	if [ "$DRY" = 1 ]; then
		echo "1. check the archive: tar -xzf $file -C STAGE; sha256sum -c SHA256SUMS"
		echo "2. stop the service:"
		service stop
		echo "3. if database $DB exists: refuse, or with --force rename it: ALTER DATABASE \"$DB\" RENAME TO \"${DB}_before_restore_$NOW\""
		echo "4. createdb $DB; pg_restore --no-owner [--role=odoo] -d $DB STAGE/db.dump"
		echo "5. mv $FILESTORE $FILESTORE.before_restore_$NOW; mv STAGE/filestore $FILESTORE"
		echo "6. start the service:"
		service start
		return 0
	fi
	parent=$(dirname "$FILESTORE")
	mkdir -p "$parent"
	stage=$(mktemp -d "$parent/.restore.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	say "1. checking the archive"
	tar -xzf "$file" -C "$stage"
	if [ ! -f "$stage/db.dump" ] || [ ! -f "$stage/SHA256SUMS" ] ||
	    [ ! -d "$stage/filestore" ]; then
		die "$file: not an odoo-backup.sh archive"
	fi
	(cd "$stage" && sha256sum -c --quiet SHA256SUMS) || die "$file: checksums do not match"
	if db_exists "$DB" && [ "$FORCE" = 0 ]; then
		die "database $DB exists: --force renames it aside and restores"
	fi
	say "2. stopping the service"
	service stop
	say "3. database $DB"
	if db_exists "$DB"; then
		aside="${DB}_before_restore_$NOW"
		psql -X -q -d postgres -c "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$DB' and pid <> pg_backend_pid()" >/dev/null
		psql -X -q -d postgres -c "alter database \"$DB\" rename to \"$aside\""
		say "   the old database is now $aside (drop it when the restore is checked)"
	fi
	say "4. createdb and pg_restore"
	role=""
	[ "$(psql_value "select count(*) from pg_roles where rolname = 'odoo'")" = 1 ] && role=--role=odoo
	if [ -n "$role" ]; then
		createdb -O odoo "$DB"
	else
		createdb "$DB"
	fi
	# shellcheck disable=SC2086
	pg_restore --no-owner $role --exit-on-error -d "$DB" "$stage/db.dump"
	say "5. filestore"
	if [ -e "$FILESTORE" ]; then
		mv "$FILESTORE" "$FILESTORE.before_restore_$NOW"
		say "   the old filestore is now $FILESTORE.before_restore_$NOW"
	fi
	mv "$stage/filestore" "$FILESTORE"
	rm -rf "$stage"
	trap - EXIT
	say "6. starting the service"
	service start
	say "restored $DB from $file"
}

for t in pg_dump pg_restore psql createdb tar sha256sum; do
	[ "$DRY" = 1 ] || command -v "$t" >/dev/null 2>&1 || die "$t not found (apt-get install postgresql-client)"
done
if [ -n "$RESTORE" ]; then
	restore
else
	backup
fi
