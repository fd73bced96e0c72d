#!/bin/sh
# odoo-install.sh - Odoo Community on Debian 12 from Odoo's official nightly
# package repository, with PostgreSQL on the same machine. As root;
# idempotent; --dry-run prints what it would do and changes nothing.
#
#   odoo-install.sh [--dry-run] [--version 17.0] [--db NAME]
#
# Steps:
#   1. postgresql and the repository's prerequisites (apt)
#   2. Odoo's signing key -> /usr/share/keyrings/odoo-archive-keyring.gpg
#   3. the repository https://nightly.odoo.com/VERSION/nightly/deb/
#      -> /etc/apt/sources.list.d/odoo.list
#   4. apt-get install odoo (its postinst makes the system user odoo, the
#      PostgreSQL role odoo and the service odoo)
#   5. /etc/odoo/odoo.conf: a random master password (admin_passwd), Odoo
#      on 127.0.0.1:8069 only, proxy_mode, no database listing
#   6. with --db NAME: the database, initialised with the base module and
#      no demo data (the web UI can do this instead)
# Then point odoo-ping at it (ODOO_URL=http://127.0.0.1:8069, ODOO_DB,
# ODOO_USER, ODOO_PASSWORD in the agent's config file) and schedule
# odoo-backup.sh nightly.
set -eu

DRY=0
ODOO_VERSION=17.0
DB=""
KEYRING=/usr/share/keyrings/odoo-archive-keyring.gpg
LIST=/etc/apt/sources.list.d/odoo.list
CONF=/etc/odoo/odoo.conf

usage() {
	echo "usage: odoo-install.sh [--dry-run] [--version 17.0] [--db NAME]" >&2
	exit 2
}

# die, step and run come from common.sh, beside this script
PROG=odoo-install
here_common=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here_common/common.sh"

while [ $# -gt 0 ]; do
	case $1 in
	-n|--dry-run) DRY=1 ;;
	--version) ODOO_VERSION=${2:?}; shift ;;
	--db) DB=${2:?}; shift ;;
	-h|--help) usage ;;
	*) echo "odoo-install: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
case $ODOO_VERSION in
[0-9][0-9].0) ;;
*) die "bad version: $ODOO_VERSION (e.g. 17.0)" ;;
esac
case $DB in
''|[A-Za-z]*) ;;
*) die "bad database name: $DB" ;;
esac
case $DB in *[!A-Za-z0-9_-]*) die "bad database name: $DB" ;; esac

installed() {
	dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

if [ "$DRY" = 0 ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root (or try --dry-run)"
fi
[ -r /etc/os-release ] || die "/etc/os-release missing"
# shellcheck disable=SC1091
. /etc/os-release
[ "${ID:-}" = debian ] || echo "odoo-install: warning: made for Debian 12, this is ${PRETTY_NAME:-unknown}" >&2
echo "odoo-install: Odoo $ODOO_VERSION Community on ${PRETTY_NAME:-this system}$( [ "$DRY" = 1 ] && echo ' (dry run: nothing is changed)')"


step "1. postgresql and prerequisites"
missing=""
for p in postgresql ca-certificates curl gnupg; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	run apt-get -o DPkg::Lock::Timeout=300 update -qq
	# shellcheck disable=SC2086
	run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing
else
	echo "   installed"
fi

step "2. signing key"
if [ -s "$KEYRING" ]; then
	echo "   $KEYRING exists"
elif [ "$DRY" = 1 ]; then
	echo "+ curl -fsSL https://nightly.odoo.com/odoo.key | gpg --dearmor -o $KEYRING"
else
	curl -fsSL https://nightly.odoo.com/odoo.key | gpg --dearmor -o "$KEYRING.tmp"
	mv "$KEYRING.tmp" "$KEYRING"
fi

step "3. repository"
LINE="deb [signed-by=$KEYRING] https://nightly.odoo.com/$ODOO_VERSION/nightly/deb/ ./"
if [ -f "$LIST" ] && grep -qxF "$LINE" "$LIST"; then
	echo "   $LIST names $ODOO_VERSION"
elif [ "$DRY" = 1 ]; then
	echo "+ write $LIST: $LINE"
else
	echo "$LINE" >"$LIST"
fi

step "4. odoo"
if installed odoo; then
	echo "   installed ($(dpkg-query -W -f '${Version}' odoo))"
else
	run apt-get -o DPkg::Lock::Timeout=300 update -qq
	run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq odoo
fi

step "5. $CONF"
if [ -f "$CONF" ] && grep -q '^http_interface *= *127\.0\.0\.1' "$CONF"; then
	echo "   configured (kept as it is)"
elif [ "$DRY" = 1 ]; then
	echo "+ set in $CONF: admin_passwd (random), http_interface = 127.0.0.1, proxy_mode = True, list_db = False"
else
	pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
	[ -f "$CONF" ] && cp -p "$CONF" "$CONF.orig"
	{
		echo "[options]"
		echo "admin_passwd = $pw"
		echo "db_host = False"
		echo "db_port = False"
		echo "db_user = odoo"
		echo "db_password = False"
		echo "http_interface = 127.0.0.1"
		echo "http_port = 8069"
		echo "proxy_mode = True"
		echo "list_db = False"
		echo "addons_path = /usr/lib/python3/dist-packages/odoo/addons"
	} >"$CONF.tmp"
	chown odoo: "$CONF.tmp"
	chmod 640 "$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
	echo "   master password written to $CONF (admin_passwd); keep it safe"
	run systemctl restart odoo
fi

if [ -n "$DB" ]; then
	step "6. database $DB"
	if runuser -u postgres -- psql -Atqc "select 1 from pg_database where datname = '$DB'" 2>/dev/null | grep -q 1; then
		echo "   exists"
	else
		run runuser -u odoo -- odoo -c "$CONF" -d "$DB" -i base \
		    --without-demo=all --stop-after-init
	fi
fi
echo "odoo-install: done$( [ "$DRY" = 1 ] && echo ' (dry run)')"
