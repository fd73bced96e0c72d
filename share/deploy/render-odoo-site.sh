#!/bin/sh
# render-odoo-site.sh - the nginx site of the cloud's Odoo (HTTPS, a reverse
# proxy to Odoo and its bus) from nginx-odoo.conf beside this script, every
# @WORD@ filled in and checked.
#
#   render-odoo-site.sh [-o FILE] [-c CERT_DIR] [-l LOG_DIR] [-s HTTPS]
#                       [-p HTTP] [-u ODOO] [-b BUS] HOST
#
#   HOST         the site's name, e.g. odoo.example.com (server_name)
#   -c CERT_DIR  fullchain.pem and privkey.pem (/etc/letsencrypt/live/HOST)
#   -l LOG_DIR   odoo.access.log and odoo.error.log (/var/log/nginx)
#   -s HTTPS     the HTTPS listen address (443: IPv4 and IPv6)
#   -p HTTP      the plain HTTP one, which only redirects (80: both)
#   -u ODOO      Odoo's HTTP address (127.0.0.1:8069)
#   -b BUS       Odoo's bus, its gevent port (127.0.0.1:8072)
#   -o FILE      write FILE (a temporary file, then mv), not stdout
#
# Exit 0 written; 1 a value nginx could not take as it is, or no template;
# 2 usage.
set -eu

die() { echo "render-odoo-site.sh: $*" >&2; exit 1; }
usage() {
	echo "usage: render-odoo-site.sh [-o FILE] [-c CERT_DIR] [-l LOG_DIR]" \
	    "[-s HTTPS] [-p HTTP] [-u ODOO] [-b BUS] HOST" >&2
	exit 2
}

# path WHAT VALUE: an absolute path nginx takes unquoted, or die
path() {
	case $2 in
	/*) ;;
	*) die "$1: not an absolute path: '$2'" ;;
	esac
	case $2 in
	*[!A-Za-z0-9/._-]*) die "$1: characters nginx would need quoted: '$2'" ;;
	esac
}

# addr WHAT VALUE: host:port, [v6]:port or a port alone, or die
addr() {
	case $2 in
	''|*[!0-9A-Za-z.:\[\]_-]*) die "$1: bad address: '$2'" ;;
	esac
}

# listen PORT-OR-ADDRESS ARGS: nginx's listen lines; a bare port listens on
# IPv4 and IPv6, as the defaults do
listen() {
	case $1 in
	*[!0-9]*) printf 'listen %s%s;' "$1" "$2" ;;
	*) printf 'listen %s%s;\\n    listen [::]:%s%s;' "$1" "$2" "$1" "$2" ;;
	esac
}

out="" certdir="" logdir=/var/log/nginx https=443 http=80
odoo=127.0.0.1:8069 bus=127.0.0.1:8072
while getopts o:c:l:s:p:u:b: opt; do
	case $opt in
	o) out=$OPTARG ;;
	c) certdir=$OPTARG ;;
	l) logdir=$OPTARG ;;
	s) https=$OPTARG ;;
	p) http=$OPTARG ;;
	u) odoo=$OPTARG ;;
	b) bus=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
host=$1
case $host in
''|-*|.*|*..*|*[!A-Za-z0-9.-]*) die "bad host name: '$host'" ;;
esac
[ -n "$certdir" ] || certdir=/etc/letsencrypt/live/$host
path "-c" "$certdir"
path "-l" "$logdir"
for a in "$https" "$http" "$odoo" "$bus"; do addr address "$a"; done
tmpl="$(cd "$(dirname "$0")" && pwd)/nginx-odoo.conf"
[ -r "$tmpl" ] || die "$tmpl: no template"

# the values are checked above: none holds a | or a backslash for sed
conf=$(sed -e "s|@SERVER_NAME@|$host|g" -e "s|@ODOO@|$odoo|g" \
    -e "s|@BUS@|$bus|g" -e "s|@CERT_DIR@|$certdir|g" \
    -e "s|@LOG_DIR@|$logdir|g" \
    -e "s|@LISTEN_HTTPS@|$(listen "$https" " ssl http2")|" \
    -e "s|@LISTEN_HTTP@|$(listen "$http" "")|" "$tmpl")
# shellcheck disable=SC2016
case $conf in *@[A-Z_]*@*) die "$tmpl: a @WORD@ this script does not fill" ;; esac
if [ -z "$out" ]; then
	printf '%s\n' "$conf"
else
	mkdir -p "$(dirname "$out")"
	tmp=$(mktemp "$out.XXXXXX")
	trap 'rm -f "$tmp"' EXIT
	printf '%s\n' "$conf" >"$tmp"
	chmod 644 "$tmp"
	mv -f "$tmp" "$out"
	trap - EXIT
fi
