#!/bin/sh
# render-nginx.sh - write the nginx configuration of a user-level dashboard:
# nginx, run as the vault's owner with every path under one prefix
# directory, in front of dashboard.cgi run by fcgiwrap on a Unix socket, and
# of pages.cgi beside it for the vault's read-only pages (/briefings,
# /plans, /done/, /handbook, /goals).
# Plain HTTP: listen on the loopback (the default), or put a TLS site in
# front (share/deploy/nginx-dashboard.conf is the system nginx's).
#
#   render-nginx.sh [-u USER] [-o FILE] PREFIX LISTEN SOCKET CGI
#   render-nginx.sh -s TEMPLATE [-o FILE]
#
#   PREFIX  nginx's prefix: pid, logs/ and tmp/ go there (made if missing)
#   LISTEN  nginx's listen address, e.g. 127.0.0.1:8080
#   SOCKET  fcgiwrap's socket, e.g. /run/ai-employee/fcgiwrap.sock
#   CGI     dashboard.cgi, e.g. /usr/local/lib/ai-employee/cgi/dashboard.cgi
#           (pages.cgi is taken from the same directory)
#   -u USER nginx's "user" line (only when nginx starts as root; its
#           workers must be able to reach the socket)
#   -o FILE write FILE (atomically: a temporary file, then mv), not stdout
#
# The CGI gets its configuration as FastCGI params (fcgiwrap passes no
# environment of its own): VAULT_DIR, VAULT_AGENT, HOME, AI_EMPLOYEE_CONFIG,
# DASHBOARD_*, APPROVAL_KEY_FILE, TZ and the sanitizer options, each taken
# from this script's environment when set. Whoever can speak FastCGI to the
# socket can set them too: keep it reachable by nginx only.
# DASHBOARD_HTTPS=on adds "fastcgi_param HTTPS on": this plain-HTTP nginx
# sits behind a TLS proxy (the VM's end of the reverse tunnel,
# nginx-dashboard-tunnel.conf), so the session cookie is marked Secure.
#
# -s TEMPLATE renders a site of the system nginx instead (the webhook's TLS
# site, share/deploy/nginx-wa-webhook.conf): each @WORD@ of its lines that
# are not comments is replaced by the environment variable WORD, checked as
# above; a word unset or empty is refused and nothing is written.
#
# Used by the PM2 app aie-local-nginx (pm2/ecosystem.config.local.js) at
# every start, and by cgi/run-dashboard (make run, the dashboard tests).
# Exit 0 written; 1 a value nginx could not take as it is; 2 usage.
set -eu

die() { echo "render-nginx.sh: $*" >&2; exit 1; }
usage() {
	echo "usage: render-nginx.sh [-u USER] [-o FILE] PREFIX LISTEN SOCKET CGI" >&2
	echo "       render-nginx.sh -s TEMPLATE [-o FILE]" >&2
	exit 2
}

# An nginx string: double-quoted, refusing what would need escaping.
q() {
	case $1 in *'"'*|*'$'*|*"\\"*|*'
'*|'') die "unsupported or empty value: '$1'" ;; esac
	printf '"%s"' "$1"
}

params() {
	for k in VAULT_DIR VAULT_AGENT HOME AI_EMPLOYEE_CONFIG XDG_CONFIG_HOME \
	    DASHBOARD_PASSWD_FILE DASHBOARD_SESSION_KEY_FILE DASHBOARD_SESSION_TTL \
	    DASHBOARD_LOGIN_MAX DASHBOARD_LOGIN_WINDOW DASHBOARD_CACHE \
	    APPROVAL_KEY_FILE TZ ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		eval "v=\${$k:-}"
		# shellcheck disable=SC2154
		[ -n "$v" ] || continue
		q "$v" >/dev/null        # dies here, not inside a substitution
		printf '            fastcgi_param %s %s;\n' "$k" "$(q "$v")"
	done
	case ${DASHBOARD_HTTPS:-} in
	on) printf '            fastcgi_param HTTPS on;\n' ;;
	''|off) ;;
	*) die "DASHBOARD_HTTPS: on or off, not '$DASHBOARD_HTTPS'" ;;
	esac
}

# site TEMPLATE: the template with its @WORDS@ replaced (unquoted: the
# template's syntax decides; the values are checked as q does).
site() {
	words=$(grep -v '^[[:space:]]*#' "$1" | grep -o '@[A-Z_]*@' | sort -u) ||
	    die "$1: no @WORD@ to replace"
	script=""
	for w in $words; do
		k=${w#@}
		k=${k%@}
		eval "v=\${$k:-}"
		[ -n "$v" ] || die "$k is not set (the template's @$k@)"
		q "$v" >/dev/null || exit 1
		case $v in *[\|\;\{\}\&\ \	]*) die "$k: unsupported value: '$v'" ;; esac
		script="$script s|$w|$v|g;"
	done
	# the comments keep their @WORDS@: they document the template
	sed -e "/^[[:space:]]*#/b" -e "$script" "$1"
}

# write TEXT: to -o's file atomically (a temporary file, then mv), or stdout.
write() {
	if [ -z "$out" ]; then
		printf '%s\n' "$1"
		return
	fi
	mkdir -p "$(dirname "$out")"
	tmp=$(mktemp "$out.XXXXXX")
	trap 'rm -f "$tmp"' EXIT
	printf '%s\n' "$1" >"$tmp"
	chmod 644 "$tmp"
	mv -f "$tmp" "$out"
	trap - EXIT
}

user="" out="" tpl=""
while getopts u:o:s: opt; do
	case $opt in
	u) user=$OPTARG ;;
	o) out=$OPTARG ;;
	s) tpl=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ -n "$tpl" ]; then
	if [ $# -ne 0 ] || [ -n "$user" ]; then usage; fi
	[ -r "$tpl" ] || die "$tpl: cannot read the template"
	conf=$(site "$tpl") || exit 1
	write "$conf"
	exit 0
fi
[ $# -eq 4 ] || usage
prefix=$1 listen=$2 sock=$3 cgi=$4
case $listen in
*[!0-9a-zA-Z.:\[\]_-]*|'') die "bad listen address: '$listen'" ;;
esac
case $user in
*[!a-zA-Z0-9_\ -]*) die "bad user: '$user'" ;;
esac
mkdir -p "$prefix/logs" "$prefix/tmp"
prefix=$(cd "$prefix" && pwd)
# every value checked here: a failure inside the substitutions below would
# not stop the script
pages=$(dirname "$cgi")/pages.cgi
for v in "$prefix" "$sock" "$cgi" "$pages"; do q "$v" >/dev/null; done
params >/dev/null
for v in "$cgi" "$pages"; do
	[ -x "$v" ] || echo "render-nginx.sh: warning: $v: no such program (yet)" >&2
done

# everything is built first, so a bad value leaves no half-written file
conf=$(cat <<EOF
${user:+user $user;}
worker_processes 1;
pid $(q "$prefix/nginx.pid");
error_log $(q "$prefix/logs/error.log");
events { worker_connections 256; }
http {
    access_log $(q "$prefix/logs/access.log");
    client_body_temp_path $(q "$prefix/tmp/body");
    proxy_temp_path $(q "$prefix/tmp/proxy");
    fastcgi_temp_path $(q "$prefix/tmp/fastcgi");
    uwsgi_temp_path $(q "$prefix/tmp/uwsgi");
    scgi_temp_path $(q "$prefix/tmp/scgi");
    server_tokens off;
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    fastcgi_buffers 8 16k;
    fastcgi_max_temp_file_size 0;
    gzip on;
    gzip_types application/json image/svg+xml;
    gzip_min_length 512;
    gzip_vary on;
    server {
        listen $listen;
        server_name localhost;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $(q "$cgi");
            fastcgi_param SCRIPT_NAME "";
            fastcgi_param PATH_INFO \$uri;
$(params)
            fastcgi_pass $(q "unix:$sock");
        }
        location ~ ^/(briefings|plans|done|handbook|goals)(/|\$) {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $(q "$pages");
            fastcgi_param SCRIPT_NAME "";
            fastcgi_param PATH_INFO \$uri;
$(params)
            fastcgi_pass $(q "unix:$sock");
        }
    }
}
EOF
)
write "$conf"
