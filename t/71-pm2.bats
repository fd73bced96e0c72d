#!/usr/bin/env bats
# pm2/ecosystem.config.{cloud,local}.js: they load, every app has the
# restart policy, and under the real pm2 (npm) a loop killed with SIGKILL
# mid-cycle comes back and leaves the vault consistent.
load helper

PM2="$TOP/node_modules/.bin/pm2"

setup() {
	common_setup
	mkvault
	export PM2_HOME="$BATS_TEST_TMPDIR/pm2"
	export AIE_STATE_DIR="$BATS_TEST_TMPDIR/state"
}

teardown() {
	# always: no pm2 daemon (nor its apps) outlives the test
	if [ -x "$PM2" ] && [ -d "$PM2_HOME" ]; then
		"$PM2" kill >/dev/null 2>&1 || true
	fi
	no_leftovers "$BATS_TEST_TMPDIR/"
}

need_pm2() {
	[ -x "$PM2" ] || skip "pm2 not installed: run npm install in $TOP"
	command -v node >/dev/null || skip "node not installed"
}

# apps FILE: one JSON line per app of the ecosystem FILE.
apps() {
	node -e 'for (const a of require(process.argv[1]).apps) console.log(JSON.stringify(a))' "$1"
}

@test "both ecosystem files load with node" {
	command -v node >/dev/null || skip "node not installed"
	run node -e 'require(process.argv[1])' "$TOP/pm2/ecosystem.config.cloud.js"
	assert_success
	run node -e 'require(process.argv[1])' "$TOP/pm2/ecosystem.config.local.js"
	assert_success
}

@test "every app restarts itself, stops on SIGTERM and logs to files" {
	command -v node >/dev/null || skip "node not installed"
	local f
	for f in cloud local; do
		run node -e '
		    const apps = require(process.argv[1]).apps;
		    if (!apps.length) throw new Error("no apps");
		    for (const a of apps) {
		        const bad = [];
		        if (a.autorestart !== true) bad.push("autorestart");
		        if (a.kill_signal !== "SIGTERM") bad.push("kill_signal");
		        if (!(a.max_restarts > 0)) bad.push("max_restarts");
		        if (!(a.exp_backoff_restart_delay > 0 || a.restart_delay > 0)) bad.push("restart delay");
		        if (!a.out_file || !a.error_file) bad.push("log files");
		        if (a.env.AI_EMPLOYEE_CONFIG !== process.env.AI_EMPLOYEE_CONFIG) bad.push("config");
		        if (!a.name.startsWith("aie-")) bad.push("name");
		        if (bad.length) throw new Error(a.name + ": " + bad.join(", "));
		        console.log(a.name);
		    }' "$TOP/pm2/ecosystem.config.$f.js"
		assert_success
	done
}

@test "the cloud runs sync, mail and health; the local sync, exec, health and the dashboard" {
	command -v node >/dev/null || skip "node not installed"
	run apps "$TOP/pm2/ecosystem.config.cloud.js"
	assert_output --partial '"args":["--watch"]'
	assert_output --partial 'mail-fetch --once | vault-claim - | draft-email -; vault-claim -q -n 20 --type email_request | draft-email -; notify-wa -q --approvals --key approvals'
	assert_output --partial 'vault-health'
	refute_output --partial 'vault-exec'
	# the daily overdue notice of cron/crontab.cloud
	assert_output --partial '"name":"aie-cloud-overdue"'
	assert_output --partial 'sleep $((t - n)); odoo-report -q --notify; done'
	assert_output --partial 'while :; do odoo-invoice -q --cancel-rejected; sleep 3600; done'
	assert_output --partial 'while :; do odoo-invoice -q --requests; sleep 300; done'
	run apps "$TOP/pm2/ecosystem.config.local.js"
	assert_output --partial '"name":"aie-local-sync"'
	assert_output --partial '"args":["--interval","30"]'
	assert_output --partial '"name":"aie-local-health"'
	assert_output --partial '"name":"aie-local-fcgiwrap"'
	assert_output --partial 'vault-status -q --dashboard'
	assert_output --partial '"daemon off;"'
	# logs under the state directory
	assert_output --partial "\"out_file\":\"$AIE_STATE_DIR/pm2/"
	# Monday: the social report on local before the briefing, the post
	# drafts on the cloud after it
	assert_output --partial '"name":"aie-local-social-report"'
	assert_output --partial 'next monday 06:30'
	assert_output --partial 'social-report -q; done'
	run apps "$TOP/pm2/ecosystem.config.cloud.js"
	assert_output --partial '"name":"aie-cloud-posts"'
	assert_output --partial 'draft-post -q --from-goals; done'
	# the briefing hourly with --due: 07:00 on the owner's Monday (OWNER_TZ)
	assert_output --partial 'briefing -q --due --notify; sleep 3600; done'
	refute_output --partial 'social-report'
}

@test "the ecosystem reads the tools' configuration file, the environment winning" {
	command -v node >/dev/null || skip "node not installed"
	printf 'ENABLE_DASHBOARD=false\nEXEC_INTERVAL=45\nHEALTH_INTERVAL=120\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	run apps "$TOP/pm2/ecosystem.config.local.js"
	assert_output --partial '"args":["--interval","45"]'
	assert_output --partial 'sleep 120'
	refute_output --partial fcgiwrap
	refute_output --partial nginx
	printf 'DASHBOARD_NGINX=system\n' >"$AI_EMPLOYEE_CONFIG"
	EXEC_INTERVAL=15 run apps "$TOP/pm2/ecosystem.config.local.js"
	assert_output --partial '"args":["--interval","15"]'
	assert_output --partial fcgiwrap
	refute_output --partial '"name":"aie-local-nginx"'
}

# jget NAME FIELD: pid or restart_time of app NAME from pm2 jlist.
jget() {
	"$PM2" jlist 2>/dev/null | node -e '
	    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
	        const a = JSON.parse(s).find(p => p.name === process.argv[1]);
	        if (!a) process.exit(1);
	        console.log(process.argv[2] === "pid" ? a.pid : a.pm2_env[process.argv[2]]);
	    })' "$1" "$2"
}

# running_anew NAME OLD_PID: whether NAME runs with a pid other than
# OLD_PID (then in NEW_PID).
running_anew() {
	local status
	NEW_PID=$(jget "$1" pid) || NEW_PID=0
	status=$(jget "$1" status) || status=""
	[ "$status" = online ] && [ "$NEW_PID" -gt 0 ] && [ "$NEW_PID" != "$2" ] &&
	    kill -0 "$NEW_PID" 2>/dev/null
}

# wait_running NAME OLD_PID: up to 10 s for NAME to run with a new pid.
wait_running() {
	wait_for running_anew "$1" "$2" || return 1
	echo "$NEW_PID"
}

# The vault is consistent: every ID in exactly one place, N items in all.
vault_consistent() {
	local n=$1 dups total
	dups=$(cd "$VAULT_DIR" && find Needs_Action In_Progress Plans Pending_Approval \
	    Approved Rejected Done -name '*.md' -printf '%f\n' | sort | uniq -d)
	[ -z "$dups" ] || fail "items in two places: $dups"
	total=$(cd "$VAULT_DIR" && find Needs_Action In_Progress Plans Pending_Approval \
	    Approved Rejected Done -name '*.md' | wc -l)
	[ "$total" -eq "$n" ] || fail "$total items, want $n"
	if [ -d "$VAULT_DIR/.git" ]; then
		run git -C "$VAULT_DIR" fsck --no-progress
		assert_success
	fi
}

# progress: a number that grows while the loop works (commits, audit lines).
progress() {
	if [ -x "$AIE_BIN/vault-sync" ]; then
		git -C "$VAULT_DIR" rev-list --count HEAD
	else
		cat "$VAULT_DIR"/Logs/*.jsonl 2>/dev/null | wc -l
	fi
}

@test "a loop killed with SIGKILL mid-cycle is restarted by pm2 and the vault stays consistent" {
	need_pm2
	local i pid children restarts before eco="$BATS_TEST_TMPDIR/loop.config.js"
	for i in 1 2 3 4 5; do mkemail "EMAIL_$i"; done
	if [ -x "$AIE_BIN/vault-sync" ]; then
		# the real loop: vault-sync --watch, as the ecosystem runs it,
		# against a bare remote
		git init -q --bare "$BATS_TEST_TMPDIR/remote.git"
		git -C "$VAULT_DIR" remote add origin "$BATS_TEST_TMPDIR/remote.git"
		cat >"$eco" <<EOF
const base = require('$TOP/pm2/ecosystem.config.local.js').apps.find(a => a.name === 'aie-local-sync');
module.exports = { apps: [Object.assign({}, base, { name: 'loop',
  env: Object.assign({}, base.env, { VAULT_DIR: '$VAULT_DIR' }) })] };
EOF
		echo "# the loop: vault-sync --watch" >&3
	else
		# vault-sync is not built here: a loop of the tools that are, with
		# the restart policy of the real ecosystem: claim the oldest item,
		# give it back; on start, give back what a killed run held
		cat >"$eco" <<EOF
const base = require('$TOP/pm2/ecosystem.config.local.js').apps.find(a => a.name === 'aie-local-sync');
module.exports = { apps: [Object.assign({}, base, { name: 'loop', script: '/bin/sh',
  args: ['-c', 'vault-claim -q -a local --list | cut -f1 | vault-claim -q --release -; ' +
    'while :; do p=\$(vault-claim -q -n 1) && vault-claim -q --release "\$p" >/dev/null; sleep 0.05; done'],
  env: Object.assign({}, base.env, { VAULT_DIR: '$VAULT_DIR', PATH: '$AIE_BIN:/usr/bin:/bin' }) })] };
EOF
		echo "# the loop: vault-claim claim/release (vault-sync not built)" >&3
	fi
	run "$PM2" start "$eco"
	assert_success
	pid=$(wait_running loop 0) || fail "loop did not start: $("$PM2" logs --nostream --lines 20 2>&1)"
	restarts=$(jget loop restart_time)
	# let it cycle, then kill it and whatever it is running, mid-cycle
	for i in 1 2 3; do
		echo "sync $i" >>"$VAULT_DIR/Company_Handbook.md"
		sleep 0.5
	done
	children=$(ps -o pid= --ppid "$pid" || true)
	kill -9 "$pid" $children
	wait_running loop "$pid" >/dev/null || fail "pm2 did not restart the loop within 10 s"
	[ "$(jget loop restart_time)" -gt "$restarts" ]
	# it works again: a change is still committed / items still move
	before=$(progress)
	# (one change every 2 s: a debounced watcher waits for a quiet moment)
	nudge_at=0
	nudged_progress() {
		if [ "$EPOCHSECONDS" -ge "$nudge_at" ]; then
			echo "after $EPOCHSECONDS" >>"$VAULT_DIR/Company_Handbook.md"
			nudge_at=$((EPOCHSECONDS + 2))
		fi
		[ "$(progress)" -gt "$before" ]
	}
	wait_for nudged_progress ||
	    fail "the restarted loop does nothing: $(tail -n 20 "$AIE_STATE_DIR"/pm2/*.log)"
	run "$PM2" stop loop
	assert_success
	vault_consistent 5
}

@test "the cloud mail loop runs the cron mail pipeline: revisions and given-back emails first" {
	command -v node >/dev/null || skip "node not installed"
	local cron_pipe loop
	cron_pipe=$(grep 'cron-mail\.lock' "$TOP/cron/crontab.cloud" |
	    grep -o "sh -c '[^']*draft-email[^']*'" | sed "s/^sh -c '//; s/'\$//")
	[ -n "$cron_pipe" ]
	loop=$(apps "$TOP/pm2/ecosystem.config.cloud.js" |
	    node -e 'let s=""; process.stdin.on("data", d => s += d).on("end", () => {
	        for (const l of s.trim().split("\n")) { const a = JSON.parse(l);
	            if (a.name === "aie-cloud-mail") console.log(a.args[1]); } })')
	[ "$loop" = "while :; do $cron_pipe; sleep 60; done" ] ||
	    fail "pm2 loop: $loop, cron: $cron_pipe"
	[[ $loop == "while :; do vault-claim -q -n 20 -d email --type email | draft-email -; mail-fetch --once | vault-claim - | draft-email -; "* ]]
	# MAIL_REDRAFT_MAX bounds the redrafts of one round
	MAIL_REDRAFT_MAX=5 run apps "$TOP/pm2/ecosystem.config.cloud.js"
	assert_output --partial 'vault-claim -q -n 5 -d email --type email | draft-email -'
	# the emails the owner asked for (dashboard /new), from any domain
	assert_output --partial 'vault-claim -q -n 5 --type email_request | draft-email -'
	# and stale claims are given back, as by the cron reap job
	assert_output --regexp '"name":"aie-cloud-reap".*vault-claim -q -a cloud --reap 2h'
}

@test "the cloud WhatsApp loop runs the cron whatsapp job: media, then claim and draft" {
	command -v node >/dev/null || skip "node not installed"
	local cron_pipe loop
	cron_pipe=$(grep 'cron-wa\.lock' "$TOP/cron/crontab.cloud" |
	    grep -o "sh -c '[^']*'" | sed "s/^sh -c '//; s/'\$//")
	[ "$cron_pipe" = "wa-media -q; vault-claim -q -n 20 -d whatsapp --type whatsapp | draft-email -" ]
	loop=$(apps "$TOP/pm2/ecosystem.config.cloud.js" |
	    node -e 'let s=""; process.stdin.on("data", d => s += d).on("end", () => {
	        for (const l of s.trim().split("\n")) { const a = JSON.parse(l);
	            if (a.name === "aie-cloud-wa") console.log(a.args[1]); } })')
	[ "$loop" = "while :; do $cron_pipe; sleep 60; done" ] ||
	    fail "pm2 loop: $loop, cron: $cron_pipe"
}

@test "render-nginx.sh writes a configuration nginx -t accepts, and refuses what it cannot quote" {
	command -v nginx >/dev/null || skip "nginx not installed"
	local w="$BATS_TEST_TMPDIR/ngx"
	run -0 env VAULT_DIR="$VAULT_DIR" VAULT_AGENT=local \
	    "$TOP/share/deploy/render-nginx.sh" -o "$w/conf/nginx.conf" "$w" 127.0.0.1:8089 \
	    "$BATS_TEST_TMPDIR/f.sock" "$TOP/build/cgi/dashboard.cgi"
	grep -q "fastcgi_param VAULT_DIR \"$VAULT_DIR\";" "$w/conf/nginx.conf"
	grep -q 'fastcgi_param VAULT_AGENT "local";' "$w/conf/nginx.conf"
	grep -q "fastcgi_pass \"unix:$BATS_TEST_TMPDIR/f.sock\";" "$w/conf/nginx.conf"
	grep -q 'listen 127.0.0.1:8089;' "$w/conf/nginx.conf"
	run ! grep -q '^user' "$w/conf/nginx.conf"
	run -0 nginx -t -q -p "$w/" -c conf/nginx.conf -e "$w/logs/error.log"
	# -u: nginx's user line
	"$TOP/share/deploy/render-nginx.sh" -u "nobody nogroup" "$w" 127.0.0.1:8089 /s /c >"$w/out"
	grep -qx 'user nobody nogroup;' "$w/out"
	# nothing half-written on a value nginx would misread
	cp "$w/conf/nginx.conf" "$w/before"
	VAULT_DIR='/tmp/a"b' run -1 "$TOP/share/deploy/render-nginx.sh" -o "$w/conf/nginx.conf" \
	    "$w" 127.0.0.1:8089 /s /c
	assert_output --partial 'unsupported'
	cmp "$w/before" "$w/conf/nginx.conf"
	run -1 "$TOP/share/deploy/render-nginx.sh" "$w" '8089; include /etc/passwd' /s /c
	run -2 "$TOP/share/deploy/render-nginx.sh" "$w" 8089 /s
}

@test "the PM2 nginx app renders its configuration and, with fcgiwrap, serves /login" {
	need_pm2
	command -v nginx >/dev/null || skip "nginx not installed"
	command -v fcgiwrap >/dev/null || [ -x /usr/sbin/fcgiwrap ] || skip "fcgiwrap not installed"
	[ -x "$AIE_CGI/dashboard.cgi" ] || skip "dashboard.cgi not built"
	local port eco="$BATS_TEST_TMPDIR/dash.config.js" prefix="$AIE_STATE_DIR/nginx" i pid group
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	mkdir -p "$BATS_TEST_TMPDIR/run"
	{
		echo "VAULT_DIR=$VAULT_DIR"
		echo "DASHBOARD_LISTEN=127.0.0.1:$port"
		echo "DASHBOARD_FCGI_SOCKET=$BATS_TEST_TMPDIR/run/fcgiwrap.sock"
		# as root, nginx's workers must reach the socket fcgiwrap made
		[ "$(id -u)" -ne 0 ] || echo "DASHBOARD_NGINX_USER=root root"
		# the default is the source tree's build/cgi (make check SAN=1:
		# build-san/cgi)
		[ "$AIE_CGI" -ef "$TOP/build/cgi" ] || echo "DASHBOARD_CGI=$AIE_CGI/dashboard.cgi"
	} >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	echo correct-horse-battery | dashboard-passwd -q
	# the two dashboard apps of the real ecosystem, as they are
	cat >"$eco" <<EOF
module.exports = { apps: require('$TOP/pm2/ecosystem.config.local.js').apps
  .filter(a => a.name === 'aie-local-fcgiwrap' || a.name === 'aie-local-nginx') };
EOF
	run node -e 'console.log(require(process.argv[1]).apps.length)' "$eco"
	assert_output 2
	run "$PM2" start "$eco"
	assert_success
	wait_for curl -s -o /dev/null "http://127.0.0.1:$port/login"
	run curl -s -D - "http://127.0.0.1:$port/login"
	assert_success
	assert_output --partial "HTTP/1.1 200"
	assert_output --partial 'name="password"'
	assert_output --partial 'name="csrf"'
	# what it runs is what nginx -t accepts
	grep -q "listen 127.0.0.1:$port;" "$prefix/conf/nginx.conf"
	grep -q "fastcgi_param SCRIPT_FILENAME \"$AIE_CGI/dashboard.cgi\";" "$prefix/conf/nginx.conf"
	run -0 nginx -t -q -p "$prefix/" -c conf/nginx.conf -e "$prefix/logs/error.log"
	# a TERM to the app's process alone (PM2 without its walk of the
	# process tree) stops fcgiwrap's preforked workers too
	pid=$("$PM2" pid aie-local-fcgiwrap)
	group=$(pgrep -g "$pid" | paste -sd,)
	[[ $group == *,*,*,*,* ]]
	kill -TERM "$pid"
	wait_for eval '! ps -o stat= -p "$group" | grep -qv Z'
	# PM2 starts it again, workers and all (a stop while PM2 is starting
	# it anew is PM2's race, not the app's: wait for the new one)
	wait_for eval 'n=$("$PM2" pid aie-local-fcgiwrap) && [ -n "$n" ] && [ "$n" != "$pid" ] && [ "$(pgrep -g "$n" | wc -l)" -ge 5 ]'
	run "$PM2" stop all
	assert_success
	no_leftovers "$BATS_TEST_TMPDIR/run/fcgiwrap.sock"
}

@test "a stop landing at any moment of the fcgiwrap app's start leaves nothing running" {
	command -v node >/dev/null || skip "node not installed"
	command -v fcgiwrap >/dev/null || [ -x /usr/sbin/fcgiwrap ] || skip "fcgiwrap not installed"
	local sock="$BATS_TEST_TMPDIR/run/fcgiwrap.sock"
	mkdir -p "$BATS_TEST_TMPDIR/run"
	echo "DASHBOARD_FCGI_SOCKET=$sock" >"$AI_EMPLOYEE_CONFIG"
	# the app as PM2 starts it (a new process group), and PM2's stop
	# signals (INT to the tree, TERM from a kill) at random moments of its
	# first 4 ms: the trap must already be there and hold across the fork
	node -e 'const a = require(process.argv[1]).apps
	    .find(a => a.name === "aie-local-fcgiwrap");
	  process.stdout.write(JSON.stringify([a.script].concat(a.args, [a.env])))' \
		"$TOP/pm2/ecosystem.config.local.js" >"$BATS_TEST_TMPDIR/app.json"
	run -0 /usr/bin/python3 -c '
import json, os, random, signal, subprocess, sys, time
app = json.load(open(sys.argv[1]))
env = dict(os.environ, **{k: str(v) for k, v in app[-1].items()})
sock, left, hung = sys.argv[2], 0, 0
for i in range(200):
    p = subprocess.Popen(app[:-1], env=env, start_new_session=True)
    time.sleep(random.uniform(0, 0.004))
    os.kill(p.pid, signal.SIGINT if i % 2 else signal.SIGTERM)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        hung += 1
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    for _ in range(50):
        if subprocess.run(["pgrep", "-f", "unix:" + sock], capture_output=True).returncode:
            break
        time.sleep(0.01)
    else:
        left += 1
        subprocess.run(["pkill", "-KILL", "-f", "unix:" + sock])
print("200 stops at start:", hung, "did not stop,", left, "left fcgiwrap running")' \
		"$BATS_TEST_TMPDIR/app.json" "$sock"
	assert_output "200 stops at start: 0 did not stop, 0 left fcgiwrap running"
}
