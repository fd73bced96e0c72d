/*
 * ui-kind.c - what a draft of one kind shows beyond its fields (see
 * ai-employee-dashboard(1)), on its card and on its item page: a post as
 * its network shows it (LinkedIn's and Facebook's folds, X's weighted
 * count, the image's name, the link,
 * the schedule, and on the page the rule check), a WhatsApp reply under
 * the customer's thread with the 24-hour window's time left, an invoice's
 * partner, total and due date (its lines as a table on the page), and a
 * payment's invoice and amount. Every value is from the vault: escaped.
 * The rules themselves are lib/social's and lib/wa's, never redone here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "approval/approval.h"
#include "social/social.h"
#include "wa/wa.h"
#include "base/base.h"

#define LI_FOLD 210              /* LinkedIn's "…see more", in characters */
#define FB_FOLD 477              /* Facebook's "See more" on a desktop feed:
                                  * not documented by Meta; the count the
                                  * character counters agree on (mobile
                                  * folds earlier) */
#define CARD_TEXT 280            /* characters of a post on a card */
#define PAGE_TEXT 3000           /* and on its page (the body is below) */
#define THREAD_CARD 3            /* a customer's last messages on a card */
#define THREAD_PAGE 10           /* and on the item page */
#define MSG_CARD 200             /* bytes of one message on a card */
#define MSG_PAGE 1000
#define TABLE_ROWS 200
#define IMG_PAGE (2 << 20)       /* bytes of a post's image shown inline */

/* The bytes of s's first n characters (UTF-8 lead bytes), never cutting
 * one in two; all of len when it has fewer. */
static size_t chars_len(const char *s, size_t len, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && c++ == n)
			return i;
	return len;
}

/* At most n bytes of s, never cutting a character in two. */
static size_t bytes_len(const char *s, size_t n)
{
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* The body without its trailing line ends (what is sent or posted). */
static size_t trimmed(const struct item *it)
{
	size_t n = it->body ? it->bodylen : 0;

	while (n && (it->body[n - 1] == '\n' || it->body[n - 1] == '\r'))
		n--;
	return n;
}

static void said(struct buf *b, const char *cls, const char *label,
    const char *v)
{
	buf_addf(b, "<p class=\"%s\">", cls);
	html_text(b, label);
	html_shown_str(b, v);
	buf_adds(b, "</p>");
}

static const char *net_title(enum social_net n)
{
	static const char *const t[NET_COUNT] = { "LinkedIn", "X", "Facebook",
	    "Instagram" };
	return t[n];
}

/* A post's image on its page, from the very bytes checked against its
 * signed digest in this request: what is shown is what the approval
 * signs. An image whose digest differs is not shown (the rule check says
 * why); one over IMG_PAGE is named only. */
static void post_image(struct dashpage *p, const char *media,
    const char *sha)
{
	struct social_media m;
	char *b64;
	size_t n;

	if (social_media_verify(p->v->dirfd, media, sha, &m) == 0) {
		n = sodium_base64_ENCODED_LEN(m.len, sodium_base64_VARIANT_ORIGINAL);
		if (m.len > IMG_PAGE)
			buf_addf(p->b, "<p class=\"meta\">The image is not shown here: "
			    "%zu bytes, over %d MB</p>", m.len, IMG_PAGE >> 20);
		else if ((b64 = malloc(n))) {
			sodium_bin2base64(b64, n, (unsigned char *)m.data, m.len,
			    sodium_base64_VARIANT_ORIGINAL);
			buf_addf(p->b, "<p><img class=\"pimg\" alt=\"The post's image, "
			    "as signed\" src=\"data:%s;base64,", m.type);
			buf_adds(p->b, b64);
			buf_adds(p->b, "\"></p>");
			free(b64);
		}
		social_media_free(&m);
	}
}

/* A post: the network, the text as it will be published (LinkedIn's
 * fold, X's count), the link, when; on the page the rule check. */
static void post_view(struct dashpage *p, const struct itemref *ref,
    const struct item *it, int page)
{
	struct buf *b = p->b;
	char *net = fm_get(it, "network"), *link = fm_get(it, "link"),
	    *at = fm_get(it, "schedule_at"), *media = fm_get(it, "media"),
	    *alt = fm_get(it, "media_alt"), *text = NULL;
	size_t tlen, cut, fold;
	enum social_net n;
	time_t t;

	buf_adds(b, "<div class=\"kind post\">");
	if (social_net_parse(net, &n) < 0) {
		said(b, "meta err", "Unknown network: ", net ? net : "(none)");
		goto out;
	}
	buf_addf(b, "<p class=\"meta\"><b>%s</b> preview", net_title(n));
	if (n == NET_X && (text = social_compose(n, it->body ? it->body : "",
	    link))) {
		long x = social_x_length(text);
		if (x < 0)
			buf_adds(b, " · <span class=\"err\">not UTF-8</span>");
		else
			buf_addf(b, " · <span class=\"xn%s\">%ld/280</span>",
			    x > 280 ? " err" : "", x);
	}
	buf_adds(b, "</p>");
	if (!text)
		text = social_compose(n, it->body ? it->body : "", link);
	if (text) {
		tlen = strlen(text);
		cut = chars_len(text, tlen, page ? PAGE_TEXT : CARD_TEXT);
		fold = n == NET_LINKEDIN ? chars_len(text, tlen, LI_FOLD) :
		    n == NET_FACEBOOK ? chars_len(text, tlen, FB_FOLD) : tlen;
		buf_adds(b, "<p class=\"ptext\">");
		html_shown(b, text, fold < cut ? fold : cut, 1);
		/* the fold where the network puts it; a card cut before it
		 * only says there is more */
		if (fold < tlen && fold <= cut)
			buf_adds(b, "<span class=\"fold\">…see more</span>");
		else if (cut < tlen)
			buf_adds(b, "…");
		buf_adds(b, "</p>");
	}
	if (link && *link)
		said(b, "meta", "Link: ", link);
	/* the image by name; the page's rule check says whether its bytes are
	 * still the ones drafted (media_sha256, signed with the approval) */
	if (media && *media) {
		char *sha = fm_get(it, "media_sha256");
		struct social_images im;
		size_t i;

		if (social_images_parse(media, sha, alt, &im) < 0)
			said(b, "meta err", "Images: ", aie_errmsg);
		for (i = 0; i < im.n; i++) {
			char lab[64];
			if (im.n > 1)
				snprintf(lab, sizeof lab, "Image %zu of %zu: ", i + 1,
				    im.n);
			said(b, "meta", im.n > 1 ? lab : "Image: ", im.path[i]);
			if (im.alt[i])
				said(b, "meta", "Image description: ", im.alt[i]);
			if (page)
				post_image(p, im.path[i], im.sha[i]);
		}
		social_images_free(&im);
		free(sha);
	}
	if (at && *at) {
		if (time_parse_rfc3339(at, &t) < 0)
			said(b, "meta err", "Unreadable schedule_at: ", at);
		else
			said(b, "meta", "Scheduled: not before ", at);
	} else {
		buf_adds(b, "<p class=\"meta\">Published once approved</p>");
	}
	if (page) {
		if (approval_post_rule(p->v, it, ref->id) < 0)
			said(b, "err", "Rule check: ", aie_errmsg);
		else
			buf_addf(b, "<p class=\"good\">Rule check: ok, within %s's "
			    "rule</p>", net_title(n));
	}
out:
	buf_adds(b, "</div>");
	free(net);
	free(link);
	free(at);
	free(media);
	free(alt);
	free(text);
}

/* The customer's messages (their whatsapp items), for the thread. */
struct wamsg {
	time_t t;
	struct item it;
};
struct thread {
	const char *wa_id;
	struct wamsg *m;         /* the latest max of them, in no order */
	size_t n, max;
};

static int thread_look(struct vault *v, const struct itemref *ref, void *vctx)
{
	struct thread *th = vctx;
	struct wamsg m;
	char *type, *from, *received;
	int keep;

	if (strncmp(ref->id, "WA_", 3) || item_load(v, ref, &m.it) < 0)
		return 0;            /* not one, or unreadable: as lib/wa */
	type = fm_get(&m.it, "type");
	from = fm_get(&m.it, "wa_id");
	received = fm_get(&m.it, "received");
	keep = type && from && received && !strcmp(type, "whatsapp") &&
	    !strcmp(from, th->wa_id) && time_parse_rfc3339(received, &m.t) == 0;
	free(type);
	free(from);
	free(received);
	if (keep && th->n < th->max) {
		th->m[th->n++] = m;
		return 0;
	}
	if (keep) {              /* full: it replaces the oldest, if newer */
		size_t i, old = 0;
		for (i = 1; i < th->n; i++)
			if (th->m[i].t < th->m[old].t)
				old = i;
		if (m.t > th->m[old].t) {
			fm_free(&th->m[old].it);
			th->m[old] = m;
			return 0;
		}
	}
	fm_free(&m.it);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct wamsg *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

static void thread_show(struct buf *b, struct vault *v, const char *wa_id,
    int page)
{
	static const enum stage stages[] = { ST_NEEDS_ACTION, ST_IN_PROGRESS,
	    ST_DONE };
	struct thread th = { wa_id, NULL, 0, page ? THREAD_PAGE : THREAD_CARD };
	size_t i;
	int err = 0;
	char when[21];

	if (!(th.m = calloc(th.max, sizeof *th.m))) {
		buf_adds(b, "<p class=\"err\">The thread: out of memory.</p>");
		return;
	}
	for (i = 0; i < sizeof stages / sizeof *stages; i++)
		if (vault_walk(v, stages[i], "whatsapp", thread_look, &th) < 0)
			err = 1;
	qsort(th.m, th.n, sizeof *th.m, by_time);
	if (err)
		buf_adds(b, "<p class=\"err\">Some of the thread could not be "
		    "read.</p>");
	if (th.n == 0)
		buf_adds(b, "<p class=\"meta\">No message from this customer in "
		    "the vault.</p>");
	else
		buf_adds(b, "<ol class=\"thread\" aria-label=\"The customer's last "
		    "messages\">");
	for (i = 0; i < th.n; i++) {
		const struct item *it = &th.m[i].it;
		size_t n = trimmed(it), cut = 0;
		size_t cap = page ? MSG_PAGE : MSG_CARD;
		if (n > cap)
			cut = bytes_len(it->body, cap);
		time_rfc3339(th.m[i].t, when);
		buf_addf(b, "<li><small><time datetime=\"%s\">%s</time></small> ",
		    when, when);
		html_shown(b, it->body ? it->body : "", cut ? cut : n, 1);
		if (cut)
			buf_adds(b, "…");
		buf_adds(b, "</li>");
	}
	if (th.n)
		buf_adds(b, "</ol>");
	for (i = 0; i < th.n; i++)
		fm_free(&th.m[i].it);
	free(th.m);
}

/* The 24-hour window as the approval's precheck sees it (lib/wa). */
static void window_show(struct buf *b, struct vault *v, const char *to,
    const char *tpl, time_t now)
{
	time_t last;

	if (wa_window_check(v, to, now) == 0 &&
	    wa_last_inbound(v, to, &last) == 0) {
		buf_adds(b, "<p class=\"good\">Window closes in ");
		if (last + WA_WINDOW - now < 60)
			buf_adds(b, "under a minute");
		else
			age_text(b, (long long)(last + WA_WINDOW - now));
		buf_adds(b, "</p>");
	} else if (aie_errcode == EX_DATA) {
		if (tpl && *tpl)
			said(b, "meta", "Window closed: sent as the template ", tpl);
		else
			buf_adds(b, "<p class=\"err\">Window closed: a template is "
			    "needed</p>");
	} else {
		said(b, "err", "Window unknown: ", aie_errmsg);
	}
}

/* A WhatsApp reply: the thread, the reply, the window. */
static void wa_view(struct dashpage *p, struct vault *v, const struct item *it,
    int page)
{
	struct buf *b = p->b;
	char *to = fm_get(it, "to"), *tpl = fm_get(it, "template");
	size_t n = trimmed(it), cut = page ? n : chars_len(it->body, n, 300);

	buf_adds(b, "<div class=\"kind wa\">");
	if (to && *to)
		thread_show(b, v, to, page);
	if (!page) {
		buf_adds(b, "<p class=\"reply\"><b>Reply");
		if (tpl && *tpl) {
			buf_adds(b, " (template ");
			html_shown_str(b, tpl);
			buf_adds(b, ")");
		}
		buf_adds(b, ":</b> ");
		html_shown(b, it->body ? it->body : "", cut, 1);
		if (cut < n)
			buf_adds(b, "…");
		buf_adds(b, "</p>");
	}
	window_show(b, v, to, tpl, p->now);
	buf_adds(b, "</div>");
	free(to);
	free(tpl);
}

/* One Markdown table cell (between unescaped |), its \\| and \\\\ undone
 * and its ** markers dropped. */
static void cell(struct buf *b, const char *s, size_t len)
{
	struct buf c = { 0 };
	size_t i;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == '*' && i + 1 < len && s[i + 1] == '*') {
			i++;
			continue;
		}
		buf_add(&c, s + i, 1);
	}
	html_shown(b, c.p ? c.p : "", c.len, 0);
	free(c.p);
}

/* Only |, -, : and blanks: a table's separator row. */
static int separator(const char *l, const char *end)
{
	for (; l < end; l++)
		if (!*l || !strchr("|-: \t", *l))
			return 0;
	return 1;
}

/* The first Markdown table of the body (the invoice's lines). */
static void lines_table(struct buf *b, const char *s, size_t len)
{
	const char *e = s + len, *l, *nl;
	size_t rows = 0;
	int open = 0;

	for (l = s; l < e && rows < TABLE_ROWS; l = nl + 1) {
		const char *c, *end;
		if (!(nl = memchr(l, '\n', (size_t)(e - l))))
			nl = e;
		end = nl > l && nl[-1] == '\r' ? nl - 1 : nl;
		if (end == l || *l != '|') {
			if (open)
				break;
			continue;
		}
		if (separator(l, end))
			continue;
		if (!open++)
			buf_adds(b, "<div class=\"tw\"><table class=\"lines\">"
			    "<caption>Lines</caption>");
		buf_adds(b, "<tr>");
		for (c = l + 1; c < end; ) {
			const char *q = c;
			while (q < end && *q != '|')
				q += *q == '\\' && q + 1 < end ? 2 : 1;
			if (q == end && separator(c, end))
				break;           /* blanks after the last | */
			buf_adds(b, open == 1 ? "<th scope=\"col\">" : "<td>");
			cell(b, c, (size_t)(q - c));
			buf_adds(b, open == 1 ? "</th>" : "</td>");
			c = q + 1;
		}
		buf_adds(b, "</tr>");
		rows++;
		if (open == 1)
			open = 2;
	}
	if (open)
		buf_adds(b, "</table></div>");
}

static void money_of(struct buf *b, const struct item *it, const char *amount)
{
	char *a = fm_get(it, amount), *cur = fm_get(it, "currency");

	html_shown_str(b, a ? a : "?");
	if (cur) {
		buf_adds(b, " ");
		html_shown_str(b, cur);
	}
	free(a);
	free(cur);
}

static void kv_text(struct buf *b, const struct item *it, const char *key,
    const char *before)
{
	char *v = fm_get(it, key);

	if (!v)
		return;
	html_text(b, before);
	html_shown_str(b, v);
	free(v);
}

static void invoice_view(struct dashpage *p, const struct item *it, int page)
{
	struct buf *b = p->b;

	buf_adds(b, "<div class=\"kind inv\"><p class=\"meta\">Invoice to ");
	kv_text(b, it, "partner", "");
	buf_adds(b, "</p><p class=\"total\"><b>");
	money_of(b, it, "amount_total");
	buf_adds(b, "</b>");
	kv_text(b, it, "invoice_date_due", " · due ");
	buf_adds(b, "</p>");
	if (page)
		lines_table(b, it->body ? it->body : "", it->body ? it->bodylen : 0);
	buf_adds(b, "</div>");
}

static void payment_view(struct dashpage *p, const struct item *it)
{
	struct buf *b = p->b;

	buf_adds(b, "<div class=\"kind pay\"><p class=\"total\">Payment of <b>");
	money_of(b, it, "amount");
	buf_adds(b, "</b>");
	kv_text(b, it, "invoice", " settles ");
	kv_text(b, it, "partner", " of ");
	buf_adds(b, "</p><p class=\"meta\">");
	kv_text(b, it, "left_to_pay", "Left to pay before it: ");
	kv_text(b, it, "payment_date", " · paid ");
	buf_adds(b, "</p></div>");
}

int kind_view(struct dashpage *p, const struct itemref *ref,
    const struct item *it, int page)
{
	struct vault *v = p->v;
	char *action = fm_get(it, "action");
	int drawn = 1;

	if (action && !strcmp(action, "post"))
		post_view(p, ref, it, page);
	else if (action && !strcmp(action, "send_whatsapp") && v)
		wa_view(p, v, it, page);
	else if (action && !strcmp(action, "post_invoice"))
		invoice_view(p, it, page);
	else if (action && !strcmp(action, "register_payment"))
		payment_view(p, it);
	else
		drawn = 0;
	free(action);
	return drawn;
}

int kind_has_view(const struct itemref *ref)
{
	return ref->stage == ST_PENDING && (!strcmp(ref->sub, "social") ||
	    !strcmp(ref->sub, "whatsapp") || !strcmp(ref->sub, "finance"));
}

int kind_card(struct dashpage *p, const struct itemref *ref)
{
	struct item it;
	int drawn;

	if (!p->v || !kind_has_view(ref))
		return 0;
	if (item_load(p->v, ref, &it) < 0)
		return 0;            /* the card's own preview says enough */
	drawn = kind_view(p, ref, &it, 0);
	fm_free(&it);
	return drawn;
}
