#!/bin/sh
# demo-approve.sh URL PASSWORD ID - what the owner's phone does in the demo:
# log in to the dashboard (GET /login for the CSRF token, POST the
# password), open draft ID and tap Approve (POST /approve with the
# session's CSRF token, the version digest the page showed and the page's
# Origin). Exit 0 when the dashboard answered that the draft is approved.
set -eu
url=$1 pw=$2 id=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
csrf_of() {
	grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'
}
curl -fsS -c "$tmp/jar" -o "$tmp/login.html" "$url/login"
curl -fsS -b "$tmp/jar" -c "$tmp/jar" -o /dev/null -H "Origin: $url" \
    --data-urlencode "csrf=$(csrf_of "$tmp/login.html")" \
    --data-urlencode "password=$pw" "$url/login"
curl -fsS -b "$tmp/jar" -o "$tmp/home.html" "$url/"
grep -q "$id" "$tmp/home.html" || { echo "demo-approve: no card for $id" >&2; exit 1; }
curl -fsS -b "$tmp/jar" -o "$tmp/item.html" "$url/item?id=$id"
digest=$(grep -o 'name="digest" value="[0-9a-f]*"' "$tmp/item.html" | head -n 1 |
    sed 's/.*value="//; s/"$//')
code=$(curl -sS -b "$tmp/jar" -o "$tmp/reply" -w '%{http_code}' -H "Origin: $url" \
    -H 'Accept: application/json' \
    --data-urlencode "csrf=$(csrf_of "$tmp/item.html")" \
    --data-urlencode "digest=$digest" --data-urlencode "id=$id" "$url/approve")
case $code in
2*|303) exit 0 ;;
*) echo "demo-approve: /approve answered $code: $(head -c 300 "$tmp/reply")" >&2; exit 1 ;;
esac
