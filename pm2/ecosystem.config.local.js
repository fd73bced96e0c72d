// PM2 apps for the LOCAL agent (the owner's machine):
//   pm2 start pm2/ecosystem.config.local.js && pm2 save && pm2 startup
// Use PM2 OR cron/crontab.local, not both. Logs: ~/.local/state/ai-employee/pm2/.
// See pm2/common.js for the configuration file and the restart policy.
//
// The dashboard: fcgiwrap runs dashboard.cgi on a Unix socket
// (DASHBOARD_FCGI_SOCKET, default /run/ai-employee/fcgiwrap.sock, a
// directory setup-vm.sh makes, group www-data); nginx in front of it is
// either this user's own nginx under PM2 (DASHBOARD_NGINX=pm2, the default)
// or the system nginx with share/deploy/nginx-dashboard.conf
// (DASHBOARD_NGINX=system). ENABLE_DASHBOARD=false runs neither.
//
// The PM2 nginx: its prefix is ~/.local/state/ai-employee/nginx/ (logs,
// pid, temporary files). At every start, aie-local-nginx first writes
// conf/nginx.conf there with share/deploy/render-nginx.sh from the keys
// DASHBOARD_LISTEN (default 127.0.0.1:8080), DASHBOARD_FCGI_SOCKET,
// DASHBOARD_CGI (default: the built or installed dashboard.cgi) and
// DASHBOARD_NGINX_USER (nginx's "user" line, only when PM2 runs as root);
// `pm2 restart aie-local-nginx` applies a changed key. A configuration of
// your own: DASHBOARD_NGINX_CONF=FILE, run as it is, nothing rendered.
//
// The phone through the VM: DASHBOARD_TUNNEL=USER@VM (or ssh://USER@VM:PORT)
// adds aie-local-tunnel, a reverse SSH tunnel from this machine to the VM
// that PM2 restarts whenever ssh exits (see tunnel() below and
// share/deploy/nginx-dashboard-tunnel.conf for the VM's side).
'use strict';

const path = require('path');
const c = require('./common.js');

const AGENT = 'local';
const EXEC_EVERY = Number(c.get('EXEC_INTERVAL', '30')) || 30;
const SOCK = c.get('DASHBOARD_FCGI_SOCKET', '/run/ai-employee/fcgiwrap.sock');
const NGINX_PREFIX = path.join(c.STATE, 'nginx');
const OWN_CONF = c.get('DASHBOARD_NGINX_CONF', '');
const NGINX_CONF = OWN_CONF || path.join(NGINX_PREFIX, 'conf', 'nginx.conf');
// in the source tree (pm2/ beside share/ and build/) or installed
// ($(DATADIR)/pm2 beside $(DATADIR)/deploy; the CGI in $(LIBEXECDIR)/cgi)
const RENDER = c.first([
  path.join(__dirname, '..', 'share', 'deploy', 'render-nginx.sh'),
  path.join(__dirname, '..', 'deploy', 'render-nginx.sh'),
]);
const CGI = c.get('DASHBOARD_CGI', c.first([
  path.join(__dirname, '..', 'build', 'cgi', 'dashboard.cgi'),
  path.join(__dirname, '..', '..', '..', 'lib', 'ai-employee', 'cgi', 'dashboard.cgi'),
  '/usr/local/lib/ai-employee/cgi/dashboard.cgi',
]));

const apps = [
  c.app(AGENT, 'sync', 'vault-sync', ['--watch']),
  // Send what the owner approved (signed approvals only).
  c.app(AGENT, 'exec', 'vault-exec', ['--interval', String(EXEC_EVERY)]),
  c.health(AGENT),
  // Dashboard.md: the cloud's Updates/ folded in, the counts rewritten
  // (local is its only writer), every DASHBOARD_MD_INTERVAL s (default 60).
  c.loop(AGENT, 'dashboard-md',
    `while :; do vault-status -q --dashboard; sleep ${Number(c.get('DASHBOARD_MD_INTERVAL', '60')) || 60}; done`),
  // Last week's social report, Monday 06:30, before the cloud's briefing
  // reads it at 07:00, as the social job of cron/crontab.local.
  c.loop(AGENT, 'social-report',
    'while :; do n=$(date +%s); t=$(date -d "monday 06:30" +%s); ' +
    '[ "$t" -gt "$n" ] || t=$(date -d "next monday 06:30" +%s); ' +
    'sleep $((t - n)); social-report -q; done'),
];

if (c.get('ENABLE_DASHBOARD', 'true') !== 'false') {
  // fcgiwrap leaves its socket behind when it dies: remove it first. The
  // socket is for nginx only (umask 007: owner and group). A TERM to
  // fcgiwrap's parent alone leaves its preforked children serving, so this
  // shell stays as the app's process: on TERM, or once fcgiwrap has ended
  // some other way, it stops its process group: the app's own, as PM2
  // starts each app as the leader of a new one. The trap is set first, or
  // a stop landing before it would leave fcgiwrap running. No command runs
  // in the foreground: bash given an INT (PM2's stop signal) while it waits
  // for one carries on if the child did not die of it, or with the trap
  // set may re-send it to itself forever; the wait builtin runs the trap.
  // It is bash for the fork: dash's child keeps the trap's handler until
  // it resets it, dropping a TERM that arrives meanwhile; bash blocks TERM
  // and INT across the fork.
  apps.push(c.app(AGENT, 'fcgiwrap', '/bin/bash', ['-c',
    'trap \'trap "" TERM INT; kill -TERM -$$; exit 0\' TERM INT; ' +
    'umask 007; rm -f "$SOCK" & wait $!; ' +
    '"$FCGIWRAP" -c "$CHILDREN" -s "unix:$SOCK" & ' +
    'wait $!; trap "" TERM INT; kill -TERM -$$; exit 0'], {
    env: Object.assign(c.env(AGENT), {
      SOCK: SOCK,
      FCGIWRAP: c.which('fcgiwrap'),
      CHILDREN: c.get('FCGIWRAP_CHILDREN', '4'),
    }),
  }));
  if (c.get('DASHBOARD_NGINX', 'pm2') === 'pm2') {
    const nginx = [c.which('nginx'), '-p', NGINX_PREFIX + '/', '-c', NGINX_CONF,
      '-e', path.join(NGINX_PREFIX, 'logs', 'error.log'), '-g', 'daemon off;'];
    // nginx stops at once on TERM; QUIT would finish the open requests
    apps.push(OWN_CONF
      ? c.app(AGENT, 'nginx', nginx[0], nginx.slice(1), { kill_signal: 'SIGTERM' })
      // render, then `exec nginx ARGS`: the configuration follows the keys
      : c.app(AGENT, 'nginx', '/bin/sh', ['-c',
        '"$RENDER" ${NGINX_USER:+-u "$NGINX_USER"} -o "$CONF" "$PREFIX" "$LISTEN" ' +
        '"$SOCK" "$CGI" || exit 78; exec "$@"', 'aie-nginx'].concat(nginx), {
        kill_signal: 'SIGTERM',
        env: Object.assign(c.env(AGENT), {
          RENDER: RENDER,
          CONF: NGINX_CONF,
          PREFIX: NGINX_PREFIX,
          LISTEN: c.get('DASHBOARD_LISTEN', '127.0.0.1:8080'),
          SOCK: SOCK,
          CGI: CGI,
          NGINX_USER: c.get('DASHBOARD_NGINX_USER', ''),
          // behind the VM's TLS site: the session cookie is Secure
          DASHBOARD_HTTPS: c.get('DASHBOARD_HTTPS', c.get('DASHBOARD_TUNNEL', '') ? 'on' : 'off'),
        }),
      }));
  }
}

// The reverse tunnel: the VM's 127.0.0.1:DASHBOARD_TUNNEL_PORT (default
// 8088) forwarded to this machine's DASHBOARD_LISTEN, over ssh with the
// dedicated key DASHBOARD_TUNNEL_KEY (default ~/.ssh/aie_tunnel), which the
// VM's authorized_keys restricts to that one forward:
//   restrict,port-forwarding,permitlisten="127.0.0.1:8088",command="/bin/false" ssh-ed25519 ...
// ExitOnForwardFailure: a port the VM refuses (or one still held by a dead
// session) ends ssh at once, and PM2 tries again with its backoff;
// ServerAlive*: a network gone quiet is noticed within 45 s, not hours.
// Unlike the other apps it is restarted without limit (see below).
// BatchMode: no prompt ever waits under PM2; the VM's host key must be in
// DASHBOARD_TUNNEL_KNOWN_HOSTS (default ~/.ssh/known_hosts) beforehand.
function tunnel() {
  const dest = c.get('DASHBOARD_TUNNEL', '');
  if (!dest) return null;
  const port = c.get('DASHBOARD_TUNNEL_PORT', '8088');
  // (a port alone is nginx's "all addresses": reach it on the loopback)
  const listen = c.get('DASHBOARD_LISTEN', '127.0.0.1:8080');
  const local = /^[0-9]+$/.test(listen) ? `127.0.0.1:${listen}` : listen;
  const known = c.get('DASHBOARD_TUNNEL_KNOWN_HOSTS', '');
  const args = ['-N', '-T',
    '-R', `127.0.0.1:${port}:${local}`,
    '-i', c.get('DASHBOARD_TUNNEL_KEY', path.join(c.HOME, '.ssh', 'aie_tunnel')),
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'ConnectTimeout=15']
    .concat(known ? ['-o', `UserKnownHostsFile=${known}`] : [])
    .concat(['--', dest]);
  // A laptop offline all night fails every attempt at once: no cap on
  // the restarts (PM2's backoff, at most one every 15 s), or the tunnel
  // would stay down after 50 of them until someone restarted it.
  return c.app(AGENT, 'tunnel', 'ssh', args, { max_restarts: 1e9 });
}

const t = tunnel();
if (t) apps.push(t);

module.exports = { apps };
