/*
 * dashpage.c - the dashboard's HTML (see dashpage.h).
 *
 * Phone first: one column at 375 px, nothing wider than the screen
 * (long words wrap anywhere), every control at least 44 px high, 16 px
 * text so phones do not zoom into inputs. Dark mode follows
 * prefers-color-scheme unless the toggle stored a choice in localStorage.
 * The CSS and JS are inline under the reply's CSP nonce: no external
 * assets. The script polls /api/status with If-None-Match every 5 s and,
 * when the ETag changes, fetches / and merges the cards (keeping the ones
 * still there, so a half-typed reason survives) and swaps the other
 * sections. The forms work without the script too (303 back to /).
 *
 * Kept cheap for the browser's main thread (Lighthouse mobile counts it 4
 * times over): one font family and the generic fallback (each family a
 * browser does not have costs a font lookup, which was most of the
 * blocking time of the home page on Linux), and no script work at load
 * (the ages are drawn by the server; the script refreshes them every
 * 30 s and after a merge).
 *
 * Sign what is shown: draft text is drawn through show_split (the split
 * approve -i uses), so bidi controls, zero-width characters, NULs and
 * stray bytes appear as marks in their own style, never interpreted or
 * cut off; and every decision form carries the digest of the version it
 * was drawn from (decide.h), which the CGI compares on the bytes it signs.
 * A card whose draft changed is replaced by the poll, not kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "approval/approval.h"
#include "base/base.h"

static const char css[] =
":root{--bg:#f5f6f8;--fg:#15171c;--card:#fff;--mut:#50576a;--line:#d5d9e0;"
"--acc:#0a58b8;--accfg:#fff;--ok:#0f6e50;--bad:#a8201a;--warn:#8a4b00;"
"color-scheme:light}"
"@media (prefers-color-scheme:dark){:root:not([data-theme=light]){"
"--bg:#101216;--fg:#e9ebef;--card:#1a1d23;--mut:#aab1bd;--line:#30353e;"
"--acc:#8ab8ff;--accfg:#0b1220;--ok:#5fd39b;--bad:#ff968c;--warn:#f2b862;"
"color-scheme:dark}}"
":root[data-theme=dark]{--bg:#101216;--fg:#e9ebef;--card:#1a1d23;"
"--mut:#aab1bd;--line:#30353e;--acc:#8ab8ff;--accfg:#0b1220;--ok:#5fd39b;"
"--bad:#ff968c;--warn:#f2b862;color-scheme:dark}"
"*{box-sizing:border-box}"
"body{margin:0;background:var(--bg);color:var(--fg);"
"font:16px/1.5 system-ui,sans-serif;"
"overflow-wrap:anywhere}"
"header{display:flex;flex-wrap:wrap;gap:8px;align-items:center;"
"padding:8px 12px;border-bottom:1px solid var(--line);background:var(--card)}"
"header h1{font-size:1.15rem;margin:0;flex:1 1 auto}"
"header form{margin:0}"
"main{max-width:1000px;margin:0 auto;padding:12px}"
"h2{font-size:1.1rem;margin:20px 0 8px}"
"a{color:var(--acc)}"
"button,.btn{display:inline-flex;align-items:center;justify-content:center;"
"min-height:44px;min-width:44px;padding:8px 16px;border-radius:8px;"
"border:1px solid var(--line);background:var(--card);color:var(--fg);"
"font:inherit;text-decoration:none;cursor:pointer}"
"button.ok{background:var(--acc);color:var(--accfg);border-color:var(--acc);"
"font-weight:600}"
"button.no{color:var(--bad)}"
"button:disabled{opacity:.6}"
".card{background:var(--card);border:1px solid var(--line);border-radius:12px;"
"padding:12px;margin:0 0 12px}"
".card h3{margin:0;font-size:1.05rem}"
".card h3 a{display:block;padding:10px 0;min-height:44px}"
".meta{color:var(--mut);font-size:.9rem;margin:0 0 6px}"
".preview{white-space:pre-line;margin:0 0 10px;max-height:7.5em;overflow:hidden}"
".actions{display:flex;flex-wrap:wrap;gap:8px}"
".actions form{margin:0}"
"details{margin-top:8px}"
"summary{min-height:44px;display:flex;align-items:center;cursor:pointer;"
"color:var(--acc)}"
"textarea,input[type=password]{width:100%;font:inherit;padding:10px;"
"min-height:44px;border-radius:8px;border:1px solid var(--line);"
"background:var(--bg);color:var(--fg)}"
"label{display:block;margin:8px 0}"
".counts{display:grid;grid-template-columns:repeat(auto-fill,minmax(100px,1fr));"
"gap:8px;margin:0}"
".counts div{background:var(--card);border:1px solid var(--line);"
"border-radius:8px;padding:6px 10px}"
".counts dt{font-size:.8rem;color:var(--mut)}.counts dd{margin:0;font-size:1.3rem}"
".health{list-style:none;padding:0;margin:0;display:grid;"
"grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}"
".health li{background:var(--card);border:1px solid var(--line);"
"border-left:6px solid var(--mut);border-radius:8px;padding:6px 10px}"
".health .up{border-left-color:var(--ok)}.health .down{border-left-color:var(--bad)}"
".health .warn{border-left-color:var(--warn)}"
".health small{display:block;color:var(--mut)}"
"svg{width:100%;height:auto;max-width:520px;display:block}"
".bar{fill:var(--acc)}.axis{stroke:var(--line)}"
".lbl{fill:var(--mut);font-size:11px}.val{fill:var(--fg);font-size:10px}"
".pair{display:grid;gap:12px}"
"@media (min-width:760px){.pair{grid-template-columns:1fr 1fr}}"
"pre{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit;margin:0;"
"background:var(--bg);border-radius:8px;padding:8px}"
"dl.kv{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0 0 8px}"
"dl.kv dt{color:var(--mut)}dl.kv dd{margin:0}"
"#msg{min-height:1.5em;margin:0;color:var(--mut)}"
".login{max-width:380px;margin:10vh auto;padding:16px}"
".err{color:var(--bad)}"
".mk{font:600 .8em/1.2 ui-monospace,monospace;white-space:nowrap;"
"background:var(--warn);color:var(--bg);border-radius:4px;padding:0 3px;"
"margin:0 1px}"
".ver{font:.85em ui-monospace,monospace;color:var(--mut)}";

static const char js_head[] =
"try{var t=localStorage.getItem('aie-theme');"
"if(t==='dark'||t==='light')document.documentElement.setAttribute('data-theme',t)"
"}catch(e){}";

static const char js[] =
"(function(){var d=document,L=d.getElementById('live'),"
"et=L?L.getAttribute('data-etag'):'',tb=d.getElementById('theme');"
"if(tb)tb.addEventListener('click',function(){var r=d.documentElement,"
"c=r.getAttribute('data-theme')||(matchMedia('(prefers-color-scheme: dark)')"
".matches?'dark':'light'),n=c==='dark'?'light':'dark';"
"r.setAttribute('data-theme',n);try{localStorage.setItem('aie-theme',n)}"
"catch(e){}});"
"function say(t){var s=d.getElementById('msg');if(s)s.textContent=t||''}"
"function age(s){s=Math.max(0,s);return s<60?'just now':s<3600?"
"Math.floor(s/60)+' min':s<172800?Math.floor(s/3600)+' h':"
"Math.floor(s/86400)+' d'}"
"function ages(){var n=Date.now();d.querySelectorAll('time[data-age]')"
".forEach(function(t){var v=Date.parse(t.getAttribute('datetime'));"
"if(v)t.textContent=age((n-v)/1000)})}"
"function count(){var c=d.getElementById('cards');if(!c)return;"
"var n=c.querySelectorAll('.card').length+(+c.getAttribute('data-more')||0),"
"e=d.getElementById('npend'),"
"m=d.getElementById('empty');if(e)e.textContent=n;if(m)m.hidden=n>0}"
"function merge(n){var oc=d.getElementById('cards'),nc=n.getElementById('cards');"
"if(!oc||!nc)return;var w={},p=null;"
"oc.setAttribute('data-more',nc.getAttribute('data-more')||'0');"
"nc.querySelectorAll('.card').forEach(function(c){w[c.id]=1});"
"oc.querySelectorAll('.card').forEach(function(c){if(!w[c.id])c.remove()});"
"nc.querySelectorAll('.card').forEach(function(c){var o=d.getElementById(c.id);"
"if(o&&o.getAttribute('data-digest')!==c.getAttribute('data-digest')){"
"var r=d.importNode(c,true);o.replaceWith(r);o=r}"
"if(!o){o=d.importNode(c,true);if(p)p.after(o);else oc.prepend(o)}p=o});"
"['more','stages','health','cost'].forEach(function(i){var a=d.getElementById(i),"
"b=n.getElementById(i);if(a&&b)a.replaceWith(d.importNode(b,true))});"
"count();ages()}"
"function refresh(){fetch('/',{cache:'no-store',credentials:'same-origin'})"
".then(function(r){return r.ok?r.text():''}).then(function(s){"
"var a=s.indexOf('<main'),z=s.indexOf('</main>');if(a<0||z<a)return;"
"merge(new DOMParser().parseFromString(s.slice(a,z+7),'text/html'))})"
".catch(function(){})}"
"function poll(){if(!L)return;var h={};if(et)h['If-None-Match']=et;"
"fetch('/api/status',{headers:h,cache:'no-store',credentials:'same-origin'})"
".then(function(r){if(r.status===401){location.href='/login';return}"
"if(r.status!==200)return;et=r.headers.get('ETag')||'';refresh()})"
".catch(function(){})}"
"d.addEventListener('submit',function(e){var f=e.target;"
"if(!f.classList||!f.classList.contains('act'))return;e.preventDefault();"
"var b=e.submitter,u=(b&&b.getAttribute('formaction'))||f.getAttribute('action'),"
"c=f.closest('.card'),fd=new URLSearchParams(new FormData(f));"
"if(b)b.disabled=true;fetch(u,{method:'POST',headers:{'Accept':'application/json'},"
"body:fd,credentials:'same-origin'}).then(function(r){return r.json()"
".then(function(j){if(r.ok){say(j.message);if(c&&L){c.remove();count();poll()}"
"else location.href='/'}else if(r.status===409&&j.item){location.href=j.item}"
"else{say(j.error||('error '+r.status));"
"if(b)b.disabled=false;if(r.status===401)location.href='/login'}})})"
".catch(function(){say('network error, try again');if(b)b.disabled=false})});"
"setInterval(poll,5000);setInterval(ages,30000)})();";

void age_text(struct buf *b, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		buf_adds(b, "just now");
	else if (s < 3600)
		buf_addf(b, "%lld min", s / 60);
	else if (s < 172800)
		buf_addf(b, "%lld h", s / 3600);
	else
		buf_addf(b, "%lld d", s / 86400);
}

void page_begin(struct dashpage *p, const char *title)
{
	struct buf *b = p->b;

	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">"
	    "<meta name=\"description\" content=\"AI Employee approvals\">"
	    "<link rel=\"icon\" href=\"data:,\">"
	    "<title>");
	html_text(b, title);
	buf_addf(b, "</title><script nonce=\"%s\">%s</script>"
	    "<style nonce=\"%s\">%s</style></head><body>", p->nonce, js_head,
	    p->nonce, css);
	if (p->csrf) {
		buf_adds(b, "<header><h1><a href=\"/\">AI Employee</a></h1>"
		    "<button type=\"button\" id=\"theme\" aria-label=\"Theme: "
		    "switch between dark and light\">Theme</button>"
		    "<form method=\"post\" action=\"/logout\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
		html_attr(b, p->csrf);
		buf_adds(b, "\"><button type=\"submit\">Log out</button></form>"
		    "</header>");
	}
}

void page_end(struct dashpage *p)
{
	if (p->csrf)
		buf_addf(p->b, "<script nonce=\"%s\">%s</script>", p->nonce, js);
	buf_adds(p->b, "</body></html>\n");
}

static void hidden(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	html_attr(b, value);
	buf_adds(b, "\">");
}

void page_login(struct dashpage *p, const char *msg)
{
	struct buf *b = p->b;

	buf_adds(b, "<main class=\"login\"><h1>AI Employee</h1>"
	    "<form method=\"post\" action=\"/login\">");
	hidden(b, "csrf", p->csrf ? p->csrf : "");
	if (msg) {
		buf_adds(b, "<p class=\"err\" role=\"alert\">");
		html_text(b, msg);
		buf_adds(b, "</p>");
	}
	buf_adds(b, "<label for=\"pw\">Password</label>"
	    "<input type=\"password\" id=\"pw\" name=\"password\" "
	    "autocomplete=\"current-password\" required autofocus>"
	    "<p><button class=\"ok\" type=\"submit\">Log in</button></p>"
	    "</form></main>");
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void shown_piece(void *ctx, const char *s, size_t n, const char *mark)
{
	struct buf *b = ctx;
	char *t;

	if (mark) {
		buf_adds(b, "<span class=\"mk\">\xe2\x9f\xa6");
		html_text(b, mark);
		buf_adds(b, "\xe2\x9f\xa7</span>");
		return;
	}
	/* a plain piece holds no NUL: show_split marks every one */
	if ((t = strndup(s, n))) {
		html_text(b, t);
		free(t);
	} else {
		b->oom = 1;
	}
}

/* Text of a draft or mail as HTML: exactly its bytes, the hidden ones
 * marked (see showtext.h). */
static void html_shown(struct buf *b, const char *s, size_t len, int multiline)
{
	show_split(s, len, multiline, shown_piece, b);
}

static void html_shown_str(struct buf *b, const char *s)
{
	html_shown(b, s, strlen(s), 0);
}

/* The decision forms of one pending draft, for the version digest. */
static void actions(struct dashpage *p, const char *id, const char *digest,
    int open)
{
	struct buf *b = p->b;

	buf_adds(b, "<div class=\"actions\">");
	if (!draft_digest_valid(digest))
		goto open;      /* nothing to name the version by: no forms */
	buf_adds(b, "<form class=\"act\" method=\"post\" action=\"/approve\">");
	hidden(b, "csrf", p->csrf);
	hidden(b, "id", id);
	hidden(b, "digest", digest);
	buf_adds(b, "<button class=\"ok\" type=\"submit\">Approve</button></form>");
open:
	if (!open) {
		buf_adds(b, "<a class=\"btn\" href=\"/item?id=");
		url_part(b, id);
		buf_adds(b, "\">Open</a>");
	}
	buf_adds(b, "</div>");
	if (!draft_digest_valid(digest))
		return;
	buf_addf(b, "<details%s><summary>Reject or revise</summary>"
	    "<form class=\"act\" method=\"post\" action=\"/reject\">",
	    open ? " open" : "");
	hidden(b, "csrf", p->csrf);
	hidden(b, "id", id);
	hidden(b, "digest", digest);
	buf_adds(b, "<label>Reason or note<textarea name=\"note\" rows=\"3\" "
	    "maxlength=\"2000\"></textarea></label><div class=\"actions\">"
	    "<button class=\"no\" type=\"submit\">Reject</button>"
	    "<button type=\"submit\" formaction=\"/revise\">Revise</button>"
	    "</div></form></details>");
}

static void card(struct dashpage *p, json_t *it)
{
	struct buf *b = p->b;
	const char *id = str(it, "id"), *title = str(it, "title");
	const char *from = str(it, "from"), *to = str(it, "to");
	const char *created = str(it, "created"), *digest = str(it, "digest");
	json_t *preview = json_object_get(it, "preview");
	time_t t;

	if (!id || !id_valid(id))
		return;
	if (!digest)
		digest = "";
	buf_adds(b, "<article class=\"card\" id=\"c-");
	html_attr(b, id);
	buf_adds(b, "\" data-digest=\"");
	html_attr(b, digest);
	buf_adds(b, "\"><h3><a href=\"/item?id=");
	url_part(b, id);
	buf_adds(b, "\">");
	html_shown_str(b, title ? title : id);
	buf_adds(b, "</a></h3><p class=\"meta\">");
	if (from) {
		buf_adds(b, "From ");
		html_shown_str(b, from);
		buf_adds(b, " · ");
	}
	if (to) {
		buf_adds(b, "to ");
		html_shown_str(b, to);
		buf_adds(b, " · ");
	}
	if (created && time_parse_rfc3339(created, &t) == 0) {
		buf_adds(b, "<time data-age=\"1\" datetime=\"");
		html_attr(b, created);
		buf_adds(b, "\">");
		age_text(b, (long long)(p->now - t));
		buf_adds(b, "</time>");
	}
	buf_adds(b, "</p>");
	if (json_is_string(preview)) {
		/* its length, not strlen: a NUL in it is shown, not the end */
		buf_adds(b, "<p class=\"preview\">");
		html_shown(b, json_string_value(preview),
		    json_string_length(preview), 1);
		buf_adds(b, "</p>");
	}
	actions(p, id, digest, 0);
	buf_adds(b, "</article>");
}

static void counts(struct dashpage *p, json_t *status)
{
	struct buf *b = p->b;
	json_t *totals = json_object_get(status, "totals"), *ls;
	const char *at;
	time_t t;
	int st;

	buf_adds(b, "<section id=\"stages\" aria-labelledby=\"h-st\">"
	    "<h2 id=\"h-st\">Stages</h2><dl class=\"counts\">");
	for (st = 0; st < ST_COUNT; st++) {
		json_t *n = json_object_get(totals, stage_dir[st]);
		const char *c;
		buf_adds(b, "<div><dt>");
		for (c = stage_dir[st]; *c; c++)
			buf_add(b, *c == '_' ? " " : c, 1);
		buf_addf(b, "</dt><dd id=\"n-%s\">%lld</dd></div>", stage_dir[st],
		    json_is_integer(n) ? (long long)json_integer_value(n) : 0LL);
	}
	buf_adds(b, "</dl><p>Last sync: ");
	ls = json_object_get(status, "last_sync");
	if ((at = str(ls, "at")) && time_parse_rfc3339(at, &t) == 0) {
		buf_adds(b, "<time data-age=\"1\" datetime=\"");
		html_attr(b, at);
		buf_adds(b, "\">");
		age_text(b, (long long)(p->now - t));
		buf_adds(b, "</time> ago");
	} else {
		buf_adds(b, "never");
	}
	buf_adds(b, "</p></section>");
}

/* A health state as one of four CSS classes (never the raw string). */
static const char *state_class(const char *s)
{
	if (!s)
		return "unk";
	if (!strcasecmp(s, "up") || !strcasecmp(s, "ok"))
		return "up";
	if (!strcasecmp(s, "down") || !strcasecmp(s, "error") ||
	    !strcasecmp(s, "fail") || !strcasecmp(s, "failed"))
		return "down";
	if (!strcasecmp(s, "degraded") || !strcasecmp(s, "warn") ||
	    !strcasecmp(s, "slow"))
		return "warn";
	return "unk";
}

static void health(struct dashpage *p, json_t *status)
{
	struct buf *b = p->b;
	json_t *h = json_object_get(status, "health"), *a, *comps, *c;
	const char *agent, *name;
	int any = 0;

	buf_adds(b, "<section id=\"health\" aria-labelledby=\"h-he\">"
	    "<h2 id=\"h-he\">Health</h2><ul class=\"health\">");
	json_object_foreach(h, agent, a) {
		comps = json_object_get(a, "components");
		json_object_foreach(comps, name, c) {
			const char *state = str(c, "state"), *detail = str(c, "detail");
			any = 1;
			buf_addf(b, "<li class=\"%s\">", state_class(state));
			html_text(b, name);
			buf_adds(b, " <small>");
			html_text(b, agent);
			buf_adds(b, ": ");
			html_text(b, state ? state : "unknown");
			if (detail && *detail) {
				buf_adds(b, " — ");
				html_text(b, detail);
			}
			buf_adds(b, "</small></li>");
		}
	}
	buf_adds(b, "</ul>");
	if (!any)
		buf_adds(b, "<p>No health reports yet.</p>");
	buf_adds(b, "</section>");
}

static void money(struct buf *b, double v)
{
	if (v > 0 && v < 0.01)
		buf_adds(b, "&lt;$0.01");
	else
		buf_addf(b, "$%.2f", v);
}

static void chart(struct dashpage *p, const struct costday *c, int n,
    int present)
{
	struct buf *b = p->b;
	double max = 0, total = 0;
	long unknown = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (c[i].cost_usd > max)
			max = c[i].cost_usd;
		total += c[i].cost_usd;
		unknown += c[i].unknown;
	}
	buf_addf(b, "<section id=\"cost\" aria-labelledby=\"h-co\">"
	    "<h2 id=\"h-co\">API cost, last %d days</h2>"
	    "<svg viewBox=\"0 0 336 160\" role=\"img\" aria-labelledby=\"cost-t\">"
	    "<title id=\"cost-t\">", n);
	if (!present)
		buf_adds(b, "no usage yet");
	else {
		buf_adds(b, "Total ");
		money(b, total);
		for (i = 0; i < n; i++) {
			buf_addf(b, ", %s ", c[i].date);
			money(b, c[i].cost_usd);
		}
	}
	buf_adds(b, "</title><line class=\"axis\" x1=\"4\" y1=\"134\" x2=\"332\" "
	    "y2=\"134\"/>");
	for (i = 0; i < n && present; i++) {
		double h = max > 0 ? c[i].cost_usd / max * 100 : 0;
		double x = 8 + i * (320.0 / n);
		double w = 320.0 / n * 0.65;
		if (h > 0 && h < 1)
			h = 1;
		buf_addf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"/>", x, 134 - h, w, h);
		if (c[i].cost_usd > 0) {
			buf_addf(b, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"middle\">", x + w / 2, 134 - h - 4);
			money(b, c[i].cost_usd);
			buf_adds(b, "</text>");
		}
	}
	for (i = 0; i < n; i++) {
		double x = 8 + i * (320.0 / n) + 320.0 / n * 0.325;
		buf_addf(b, "<text class=\"lbl\" x=\"%.1f\" y=\"152\" "
		    "text-anchor=\"middle\">%.5s</text>", x, c[i].date + 5);
	}
	if (!present)
		buf_adds(b, "<text class=\"lbl\" x=\"168\" y=\"80\" "
		    "text-anchor=\"middle\">no usage yet</text>");
	buf_adds(b, "</svg><p>");
	if (present) {
		buf_adds(b, "Total ");
		money(b, total);
		if (unknown)
			buf_addf(b, " (%ld call%s of unknown cost)", unknown,
			    unknown == 1 ? "" : "s");
	} else {
		buf_adds(b, "No usage logged in these days.");
	}
	buf_adds(b, "</p></section>");
}

/* A phone page stays small (under 30 KB) however much waits: the first
 * cards; the next come up by polling as these are decided. */
size_t page_cards(void)
{
	long cap;

	/* dashboard.cgi refuses a bad value before any page */
	return config_long("DASHBOARD_CARDS", 10, 1, 1000, &cap) < 0 ? 10 :
	    (size_t)cap;
}

void page_home(struct dashpage *p, json_t *status, size_t npending,
    const struct costday *c, int ndays, int present)
{
	struct buf *b = p->b;
	json_t *pend = json_object_get(status, "pending"), *it;
	size_t i, n = npending, shown = json_array_size(pend), cap = page_cards();

	if (shown > cap)
		shown = cap;
	if (n < shown)
		n = shown;
	buf_adds(b, "<main id=\"live\" data-etag=\"");
	html_attr(b, p->etag ? p->etag : "");
	buf_addf(b, "\"><p id=\"msg\" role=\"status\" aria-live=\"polite\"></p>"
	    "<section aria-labelledby=\"h-pe\"><h2 id=\"h-pe\">Waiting for you "
	    "(<span id=\"npend\">%zu</span>)</h2><div id=\"cards\" "
	    "data-more=\"%zu\">", n, n - shown);
	json_array_foreach(pend, i, it) {
		if (i >= shown)
			break;
		card(p, it);
	}
	buf_addf(b, "</div><p id=\"more\"%s>%zu more waiting: they come up here "
	    "as you decide these.</p>", n > shown ? "" : " hidden", n - shown);
	buf_addf(b, "<p id=\"empty\"%s>Nothing is waiting for approval."
	    "</p></section>", n ? " hidden" : "");
	counts(p, status);
	health(p, status);
	chart(p, c, ndays, present);
	buf_adds(b, "</main>");
}

static void kv(struct buf *b, const struct item *it, const char *key,
    const char *label)
{
	char *v = fm_get(it, key);

	if (!v)
		return;
	buf_adds(b, "<dt>");
	html_text(b, label);
	buf_adds(b, "</dt><dd>");
	html_shown_str(b, v);
	buf_adds(b, "</dd>");
	free(v);
}

static void body(struct buf *b, const struct item *it)
{
	buf_adds(b, "<pre>");
	html_shown(b, it->body ? it->body : "", it->bodylen, 1);
	buf_adds(b, "</pre>");
}

void page_item(struct dashpage *p, const struct itemref *ref,
    const struct item *it, const struct itemref *sref,
    const struct item *src, const char *notice)
{
	static const char *const labels[] = { "expires", "Expires", "action",
	    "Action", "to", "To", "cc", "Cc", "subject", "Subject",
	    "in_reply_to", "In-Reply-To", "references", "References", NULL };
	struct buf *b = p->b;
	char *subject = fm_get(it, "subject"), digest[DRAFT_DIGEST_HEX + 1];
	size_t i, l;

	buf_adds(b, "<main><p id=\"msg\" role=\"status\" aria-live=\"polite\"");
	if (notice) {
		buf_adds(b, " class=\"err\">");
		html_text(b, notice);
	} else {
		buf_adds(b, ">");
	}
	buf_adds(b, "</p><h2>");
	html_shown_str(b, subject ? subject : ref->id);
	free(subject);
	if (draft_digest(it, ref->id, digest) < 0)
		digest[0] = '\0';
	buf_adds(b, "</h2><div class=\"pair\"><section class=\"card\">"
	    "<h3>Draft</h3><dl class=\"kv\"><dt>Stage</dt><dd>");
	html_text(b, ref->rel);
	buf_adds(b, "</dd>");
	if (*digest)
		buf_addf(b, "<dt>Version</dt><dd class=\"ver\">%.*s</dd>",
		    DRAFT_DIGEST_SHORT, digest);
	/* every field the approval signs, then what helps to judge it */
	for (i = 0; draft_signed_fields[i]; i++) {
		for (l = 0; labels[l] && strcmp(labels[l], draft_signed_fields[i]);
		    l += 2)
			;
		kv(b, it, draft_signed_fields[i], labels[l] ? labels[l + 1] :
		    draft_signed_fields[i]);
	}
	kv(b, it, "model", "Model");
	kv(b, it, "decision", "Decision");
	kv(b, it, "decision_note", "Note");
	buf_adds(b, "</dl>");
	body(b, it);
	if (ref->stage == ST_PENDING && p->csrf) {
		buf_adds(b, "<h3>Decide</h3>");
		actions(p, ref->id, digest, 1);
	}
	buf_adds(b, "</section>");
	if (src && sref) {
		buf_adds(b, "<section class=\"card\"><h3>Source</h3><dl class=\"kv\">"
		    "<dt>Stage</dt><dd>");
		html_text(b, sref->rel);
		buf_adds(b, "</dd>");
		kv(b, src, "from", "From");
		kv(b, src, "to", "To");
		kv(b, src, "subject", "Subject");
		kv(b, src, "date", "Date");
		buf_adds(b, "</dl>");
		body(b, src);
		buf_adds(b, "</section>");
	}
	buf_adds(b, "</div><p><a class=\"btn\" href=\"/\">Back</a></p></main>");
}
