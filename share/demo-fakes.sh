# demo-fakes.sh - sourced by demo.sh: the outside services of the demo, the
# test fakes of t/fake/ (LinkedIn, X and Facebook in social.py; WhatsApp's
# Graph API and Odoo in api.py), each on a free port of 127.0.0.1, each
# speaking the real service's wire format. They are started by fakes_start
# and stopped by fakes_stop, which demo.sh's exit trap calls, so none is
# left running, also on failure.
#
# Uses from demo.sh: $top, $demo, $py, die, step.
# The variables it uses and sets are demo.sh's (SC2154, SC2034).
# shellcheck shell=sh disable=SC2154,SC2034

fake_pids=""

# fake_up NAME SERVER [VAR=VALUE...]: start t/fake/SERVER with those
# variables (the credentials it expects) under $demo/fake/NAME/; once it
# listens, fake_url is its base URL.
fake_up() {
	name=$1 server=$2
	shift 2
	d=$demo/fake/$name
	mkdir -p "$d"
	: >"$d/script"
	: >"$d/log"
	env "$@" "$py" "$top/t/fake/$server" "$d/port" "$d/script" "$d/log" \
	    </dev/null >"$d/stderr" 2>&1 &
	pid=$!
	fake_pids="$fake_pids $pid"
	i=0
	while [ ! -s "$d/port" ]; do
		i=$((i + 1))
		if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 50 ]; then
			die "the fake $name ($server) did not start: $(tail -n 3 "$d/stderr")"
		fi
		sleep 0.1
	done
	fake_url="http://127.0.0.1:$(cat "$d/port")"
}

# fakes_start: the fake LinkedIn and the fake Graph API + Odoo, and the
# drafting Odoo user that the cloud's odoo-invoice logs in as; the keys
# that publish, send and post are local's alone (local_services).
fakes_start() {
	fake_up social social.py FAKE_LI_TOKEN=AQVdemo FAKE_LI_AUTHOR=urn:li:person:8675309
	social_url=$fake_url
	fake_up api api.py FAKE_WA_TOKEN=EAAGdemo FAKE_WA_PHONE_ID=1098765 \
	    FAKE_ODOO_DB=demo FAKE_ODOO_USER=bot@demo.example FAKE_ODOO_PASSWORD=draft-pw \
	    FAKE_ODOO_POST_USER=owner@demo.example FAKE_ODOO_POST_PASSWORD=post-pw
	api_url=$fake_url
	step setup "fake LinkedIn on $social_url, fake WhatsApp Graph API and Odoo on $api_url (t/fake)"
	export ODOO_URL="$api_url" ODOO_DB=demo ODOO_USER=bot@demo.example \
	    ODOO_PASSWORD=draft-pw ODOO_TIMEOUT=5
}

# fakes_stop: stop every fake started (the exit trap calls it).
fakes_stop() {
	for p in $fake_pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	fake_pids=""
}

# local_services: the local agent's keys for the fakes, set just before
# vault-exec (the cloud never holds them; see ai-employee(7)).
local_services() {
	export LINKEDIN_API_URL="$social_url" LINKEDIN_TOKEN=AQVdemo \
	    LINKEDIN_AUTHOR=urn:li:person:8675309 \
	    WA_GRAPH_URL="$api_url" WA_PHONE_NUMBER_ID=1098765 WA_SEND_TOKEN=EAAGdemo \
	    ODOO_POST_USER=owner@demo.example ODOO_POST_PASSWORD=post-pw
}

# fake_seen NAME KEY [VALUE]: how many requests the fake NAME logged whose
# KEY (dotted: parsed.to) is VALUE, or, without VALUE, is there and not null
# (problem: the requests that failed the fake's checks of the wire format).
fake_seen() {
	"$py" - "$demo/fake/$1/log" "$2" ${3+"$3"} <<'EOT'
import json, sys
n = 0
for line in open(sys.argv[1]):
    v = json.loads(line)
    for k in sys.argv[2].split("."):
        v = v.get(k) if isinstance(v, dict) else None
    n += v is not None if len(sys.argv) < 4 else v == sys.argv[3]
print(n)
EOT
}

# odoo_posted: how many invoices the fake Odoo holds posted.
odoo_posted() {
	"$py" - "$demo/fake/api/script.odoo.json" <<'EOT'
import json, sys
try:
    moves = json.load(open(sys.argv[1]))["account.move"].values()
except FileNotFoundError:
    moves = []
print(sum(m.get("state") == "posted" for m in moves))
EOT
}
