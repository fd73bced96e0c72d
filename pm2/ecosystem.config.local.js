// PM2 apps for the LOCAL agent (the owner's machine):
//   pm2 start pm2/ecosystem.config.local.js && pm2 save && pm2 startup
// Use PM2 OR cron/crontab.local, not both. Logs: ~/.local/state/ai-employee/pm2/.
// See pm2/common.js for the configuration file and the restart policy.
//
// The dashboard: fcgiwrap runs dashboard.cgi on a Unix socket
// (DASHBOARD_FCGI_SOCKET, default /run/ai-employee/fcgiwrap.sock, a
// directory setup-vm.sh makes, group www-data); nginx in front of it is
// either this user's own nginx under PM2 (DASHBOARD_NGINX=pm2, the default,
// with the configuration DASHBOARD_NGINX_CONF under the prefix
// ~/.local/state/ai-employee/nginx/) or the system nginx with
// share/deploy/nginx-dashboard.conf (DASHBOARD_NGINX=system). ENABLE_DASHBOARD=false
// runs neither.
'use strict';

const path = require('path');
const c = require('./common.js');

const AGENT = 'local';
const EXEC_EVERY = Number(c.get('EXEC_INTERVAL', '30')) || 30;
const SOCK = c.get('DASHBOARD_FCGI_SOCKET', '/run/ai-employee/fcgiwrap.sock');
const NGINX_PREFIX = path.join(c.STATE, 'nginx');
const NGINX_CONF = c.get('DASHBOARD_NGINX_CONF', path.join(NGINX_PREFIX, 'conf', 'nginx.conf'));

const apps = [
  c.app(AGENT, 'sync', 'vault-sync', ['--watch']),
  // Send what the owner approved (signed approvals only).
  c.app(AGENT, 'exec', 'vault-exec', ['--interval', String(EXEC_EVERY)]),
  c.health(AGENT),
  // Dashboard.md: the cloud's Updates/ folded in, the counts rewritten
  // (local is its only writer), every DASHBOARD_MD_INTERVAL s (default 60).
  c.loop(AGENT, 'dashboard-md',
    `while :; do vault-status -q --dashboard; sleep ${Number(c.get('DASHBOARD_MD_INTERVAL', '60')) || 60}; done`),
];

if (c.get('ENABLE_DASHBOARD', 'true') !== 'false') {
  // fcgiwrap leaves its socket behind when it dies: remove it first. The
  // socket is for nginx only (umask 007: owner and group).
  apps.push(c.app(AGENT, 'fcgiwrap', '/bin/sh', ['-c',
    'umask 007; rm -f "$SOCK"; exec "$FCGIWRAP" -c "$CHILDREN" -s "unix:$SOCK"'], {
    env: Object.assign(c.env(AGENT), {
      SOCK: SOCK,
      FCGIWRAP: c.which('fcgiwrap'),
      CHILDREN: c.get('FCGIWRAP_CHILDREN', '4'),
    }),
  }));
  if (c.get('DASHBOARD_NGINX', 'pm2') === 'pm2') {
    apps.push(c.app(AGENT, 'nginx', 'nginx', ['-p', NGINX_PREFIX + '/', '-c', NGINX_CONF,
      '-e', path.join(NGINX_PREFIX, 'logs', 'error.log'), '-g', 'daemon off;'], {
      // nginx stops at once on TERM; QUIT would finish the open requests
      kill_signal: 'SIGTERM',
    }));
  }
}

module.exports = { apps };
