// PM2 apps for the CLOUD agent (the always-on VM):
//   pm2 start pm2/ecosystem.config.cloud.js && pm2 save && pm2 startup
// Use PM2 OR cron/crontab.cloud, not both. Logs: ~/.local/state/ai-employee/pm2/.
// See pm2/common.js for the configuration file and the restart policy.
'use strict';

const c = require('./common.js');

const AGENT = 'cloud';
const MAIL_EVERY = Number(c.get('MAIL_INTERVAL', '60')) || 60;
const REDRAFT = Number(c.get('MAIL_REDRAFT_MAX', '20'));
const REDRAFT_MAX = Number.isInteger(REDRAFT) && REDRAFT > 0 ? REDRAFT : 20;

module.exports = {
  apps: [
    // Git sync on every change (inotify, debounced), and on a timer.
    c.app(AGENT, 'sync', 'vault-sync', ['--watch']),
    // The pipeline of cron/crontab.cloud, every MAIL_INTERVAL s: redraft
    // up to MAIL_REDRAFT_MAX (default 20) emails waiting in
    // Needs_Action/email with no draft pending (sent back with approve
    // --revise, or given back by a draft that failed for a while); fetch,
    // claim what was fetched, draft replies; claim and draft the emails the
    // owner asked for (type email_request, any domain); tell the owner
    // what waits.
    // (A loop of `mail-fetch --once`, not `mail-fetch --interval`: the
    // paths it prints must reach vault-claim when each fetch ends, not when
    // a pipe's stdio buffer fills.)
    c.loop(AGENT, 'mail',
      `while :; do vault-claim -q -n ${REDRAFT_MAX} -d email --type email | draft-email -; ` +
      'mail-fetch --once | vault-claim - | draft-email -; ' +
      `vault-claim -q -n ${REDRAFT_MAX} --type email_request | draft-email -; ` +
      'notify-wa -q --approvals --key approvals; ' +
      `sleep ${MAIL_EVERY}; done`),
    // WhatsApp, as the whatsapp job of cron/crontab.cloud: the media of
    // the customers' messages, then claim and draft the replies.
    c.loop(AGENT, 'wa',
      'while :; do wa-media -q; ' +
      `vault-claim -q -n ${REDRAFT_MAX} -d whatsapp --type whatsapp | draft-email -; ` +
      `sleep ${MAIL_EVERY}; done`),
    // Claims older than 2 hours that no run finished go back to
    // Needs_Action, hourly, as the reap job of cron/crontab.cloud.
    c.loop(AGENT, 'reap',
      `while :; do vault-claim -q -a ${AGENT} --reap 2h; sleep 3600; done`),
    // The Monday briefing of last week, hourly with --due as the briefing
    // job of cron/crontab.cloud: written once, from 07:00 on the owner's
    // Monday (OWNER_TZ), whatever the VM's zone (briefing(1)).
    c.loop(AGENT, 'briefing',
      'while :; do briefing -q --due --notify; sleep 3600; done'),
    // This week's post drafts from Business_Goals.md's content plan,
    // Monday 08:00, as the posts job of cron/crontab.cloud (for the
    // networks SOCIAL_NETWORKS names).
    c.loop(AGENT, 'posts',
      'while :; do n=$(date +%s); t=$(date -d "monday 08:00" +%s); ' +
      '[ "$t" -gt "$n" ] || t=$(date -d "next monday 08:00" +%s); ' +
      'sleep $((t - n)); draft-post -q --from-goals; done'),
    // Invoices the owner asked for (invoice_request) drafted every 5
    // minutes, as the invoices job of cron/crontab.cloud (odoo-invoice(1)).
    c.loop(AGENT, 'invoices',
      'while :; do odoo-invoice -q --requests; sleep 300; done'),
    // Invoice drafts the owner rejected, cancelled in Odoo hourly, as the
    // rejected job of cron/crontab.cloud (odoo-invoice(1)).
    c.loop(AGENT, 'rejected',
      'while :; do odoo-invoice -q --cancel-rejected; sleep 3600; done'),
    // Overdue invoices at 09:00 daily (local time, TZ), as the overdue job
    // of cron/crontab.cloud: each told to the owner once (odoo-report(1)).
    c.loop(AGENT, 'overdue',
      'while :; do n=$(date +%s); t=$(date -d "09:00" +%s); ' +
      '[ "$t" -gt "$n" ] || t=$(date -d "tomorrow 09:00" +%s); ' +
      'sleep $((t - n)); odoo-report -q --notify; done'),
    c.health(AGENT),
  ],
};
