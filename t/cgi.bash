# t/cgi.bash - a dashboard CGI run once on its own, as fcgiwrap runs it:
# no server, the CGI variables of a logged-in GET set by hand (t/64,
# t/77, t/69). Loaded after helper, with a vault made.
# shellcheck shell=bash

# cgi_setup: a test's start (in setup): common_setup, a fresh vault, a
# dashboard password and, in $TOK, a session cookie of its key.
cgi_setup() {
	common_setup
	mkvault
	echo correct-horse-battery | dashboard-passwd -q
	cgi_token
}

# cgi_token: in $TOK, a session cookie of the dashboard's key (a password
# already set).
cgi_token() {
	TOK=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" \
	    "$(cat "$HOME/.config/ai-employee/dashboard.key")" 2 3600)
}

# cgi_get CGI PATH [VAR=VALUE...]: one GET of PATH (its query after "?")
# from $AIE_CGI/CGI with the session $TOK, the reply on stdout.
cgi_get() {
	local cgi=$1 path=$2 query=
	shift 2
	[[ $path == *\?* ]] && query=${path#*\?}
	env -i PATH="$PATH" HOME="$HOME" VAULT_DIR="$VAULT_DIR" \
	    AI_EMPLOYEE_CONFIG="$AI_EMPLOYEE_CONFIG" TZ=UTC \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
	    ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS} \
	    SERVER_PORT=80 HTTP_HOST=dash.example REMOTE_ADDR=192.0.2.7 \
	    REQUEST_METHOD=GET PATH_INFO="${path%%\?*}" QUERY_STRING="$query" \
	    HTTP_COOKIE="aie_session=$TOK" "$@" "$AIE_CGI/$cgi"
}
