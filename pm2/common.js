// pm2/common.js - what the two ecosystem files share: the configuration
// file, the log directory, and one app definition with the restart policy.
//
// The configuration is the tools' own: $AI_EMPLOYEE_CONFIG (default
// ~/.config/ai-employee/env), KEY=VALUE lines, the environment winning over
// the file. Every app gets AI_EMPLOYEE_CONFIG and VAULT_AGENT in its
// environment and reads the rest (VAULT_DIR, keys, URLs) from that file, so
// no secret is copied into PM2's dump (~/.pm2/dump.pm2).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const HOME = process.env.HOME || os.homedir();
const CONFIG = process.env.AI_EMPLOYEE_CONFIG ||
  path.join(HOME, '.config', 'ai-employee', 'env');

// KEY=VALUE lines; blank lines and # comments skipped; one pair of quotes
// around a value removed. A missing file is an empty configuration.
function readConfig(file) {
  const cfg = {};
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return cfg;
    throw new Error(`${file}: ${e.message}`);
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]))
      v = v.slice(1, -1);
    cfg[m[1]] = v;
  }
  return cfg;
}

const cfg = readConfig(CONFIG);
// the environment wins over the file, as in the tools
function get(key, dflt) {
  if (process.env[key] !== undefined && process.env[key] !== '')
    return process.env[key];
  if (cfg[key] !== undefined && cfg[key] !== '') return cfg[key];
  return dflt;
}

const STATE = get('AIE_STATE_DIR', path.join(HOME, '.local', 'state', 'ai-employee'));
const LOGS = path.join(STATE, 'pm2');

// A program's full path: AIE_BIN_DIR first, then $PATH; else the bare name
// (PM2 then reports it missing when it starts the app).
function which(name) {
  const dirs = [get('AIE_BIN_DIR', '')]
    .concat((process.env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':'))
    .concat(['/usr/local/bin', '/usr/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch (e) { /* next */ }
  }
  return name;
}

// The first of paths that exists; else the first (PM2 or the app then
// says what is missing).
function first(paths) {
  for (const p of paths) {
    try {
      fs.accessSync(p, fs.constants.R_OK);
      return p;
    } catch (e) { /* next */ }
  }
  return paths[0];
}

// One long-running loop. The policy: always restart; the first restart
// after 200 ms, each further one in a row 1.5 times later up to 15 s (PM2's
// exponential backoff, reset once the app has run 30 s), so a loop that
// dies on a bad network does not spin; stop after 50 unstable restarts
// (each under min_uptime); SIGTERM to stop (the tools finish the cycle they
// are in and exit 0; they do the same on SIGINT, which PM2 5 sends to the
// app's process tree whatever kill_signal says), SIGKILL after kill_timeout.
function env(agent) {
  return {
    AI_EMPLOYEE_CONFIG: CONFIG,
    VAULT_AGENT: agent,
    PATH: [get('AIE_BIN_DIR', ''), process.env.PATH || '/usr/local/bin:/usr/bin:/bin']
      .filter(Boolean).join(':'),
  };
}

function app(agent, name, script, args, extra) {
  return Object.assign({
    name: `aie-${agent}-${name}`,
    script: which(script),
    args: args,
    interpreter: 'none',
    cwd: HOME,
    autorestart: true,
    exp_backoff_restart_delay: 200,
    max_restarts: 50,
    min_uptime: '5s',
    kill_signal: 'SIGTERM',
    kill_timeout: 10000,
    treekill: true,
    watch: false,
    out_file: path.join(LOGS, `${name}.out.log`),
    error_file: path.join(LOGS, `${name}.err.log`),
    merge_logs: true,
    time: true,
    env: env(agent),
  }, extra || {});
}

// A shell loop: `sh -c SCRIPT`.
function loop(agent, name, script, extra) {
  return app(agent, name, '/bin/sh', ['-c', script], extra);
}

// The health loop: vault-health writes Health/<agent>.md (and notifies on
// errors) every HEALTH_INTERVAL seconds (default 300).
function health(agent) {
  const s = Number(get('HEALTH_INTERVAL', '300'));
  const every = Number.isInteger(s) && s > 0 ? s : 300;
  return loop(agent, 'health', `while :; do vault-health; sleep ${every}; done`);
}

module.exports = { HOME, CONFIG, STATE, LOGS, get, readConfig, which, first, env, app, loop, health };
