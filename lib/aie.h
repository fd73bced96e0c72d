/*
 * aie.h - the vault core shared by every ai-employee tool and CGI program.
 *
 * lib/ never prints and never exits: a function that fails returns -1 and
 * leaves a message in aie_errmsg and a suggested exit status in aie_errcode
 * (one of the EX_ codes below), so the caller can say "tool: item: reason"
 * and exit with the documented code.
 */
#ifndef AIE_H
#define AIE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Exit statuses, SPEC section 3. */
enum {
	EX_DONE = 0, EX_NEG = 1, EX_USAGE_ = 2, EX_DATA = 65, EX_DOWN = 69,
	EX_TEMP = 75, EX_REFUSED = 77, EX_CONFIG_ = 78
};

#define AIE_ID_MAX 120
#define AIE_NAME_MAX 32          /* agent and domain names */
#define AIE_ITEM_MAX (8 << 20)   /* an item file larger than this is refused */

/* error.c */
extern char aie_errmsg[512];
extern int aie_errcode;
int aie_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int aie_fail_errno(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* names.c: IDs, agent and domain names, generated IDs, times */
int id_valid(const char *id);
int name_valid(const char *name);
/* 1 when s is a month directory's name, YYYY-MM (Done/<domain>/<YYYY-MM>). */
int month_valid(const char *s);
int id_generate(char *buf, size_t size, const char *type);
void time_rfc3339(time_t t, char buf[21]);
int time_parse_rfc3339(const char *s, time_t *out);
int duration_parse(const char *s, long *seconds);
/* The value of one hex digit, or -1 (for %XX and =XX decoders). */
int hex_value(int c);

/* config.c: KEY=VALUE file, the environment wins */
int config_load(void);
const char *config_get(const char *key);
const char *config_get_default(const char *key, const char *fallback);
long config_get_long(const char *key, long fallback);
int config_get_bool(const char *key, int fallback);

/* Stages of the vault, in the order of the flow. */
enum stage {
	ST_NEEDS_ACTION, ST_IN_PROGRESS, ST_PLANS, ST_PENDING, ST_APPROVED,
	ST_REJECTED, ST_DONE, ST_COUNT
};
extern const char *const stage_dir[ST_COUNT];

/* vault.c: an open vault is a directory fd; every access is relative to it */
struct vault {
	int dirfd;
	char *root;              /* canonical absolute path */
	char agent[AIE_NAME_MAX + 1];
};

/* Where an item is: stage, sub (domain or agent; for Done the domain and
 * the month as "d/YYYY-MM"), and the vault-relative path. */
struct itemref {
	char id[AIE_ID_MAX + 1];
	enum stage stage;
	char sub[AIE_NAME_MAX * 2 + 2];
	char rel[512];
};

int vault_open(struct vault *v, const char *dir, const char *agent);
void vault_close(struct vault *v);
int vault_default_dir(const char **dir);
int vault_opendir(struct vault *v, const char *rel, int create);
int vault_mkdirs(struct vault *v, const char *rel);
int vault_resolve(struct vault *v, const char *arg, struct itemref *ref);
int vault_find(struct vault *v, const char *id, struct itemref *ref);
int vault_find_once(struct vault *v, const char *id, struct itemref *ref);
int vault_statedir(struct vault *v, char *rel, size_t size);
int item_ref_set(struct itemref *ref, const char *id, enum stage st,
    const char *sub);

/* Walk the items of one stage (every sub-directory, Done's months too).
 * fn returns 0 to go on, non-zero to stop (and that is returned). */
typedef int (*item_fn)(struct vault *v, const struct itemref *ref, void *ctx);
int vault_walk(struct vault *v, enum stage st, const char *sub, item_fn fn,
    void *ctx);

/* file.c: whole files in and out of the vault, atomically */
int path_parent_at(int dirfd, const char *rel, int create, char *name,
    size_t namesize);
int file_readat(int dirfd, const char *rel, char **buf, size_t *len);
int file_writeat(int dirfd, const char *rel, const char *buf, size_t len,
    int mode);
int file_appendat(int dirfd, const char *rel, const char *buf, size_t len);
int fsync_dirat(int dirfd, const char *rel);

/* fm.c: front matter that keeps what it does not understand */
struct fm_line {
	char *raw;               /* the whole line with its line ending */
	char *key;               /* NULL when the line is not key: value */
};
struct item {
	struct fm_line *lines;
	size_t nlines, cap;
	const char *eol;         /* "\n" or "\r\n", as the file's first line */
	char *body;              /* bytes after the closing ---, verbatim */
	size_t bodylen;
};
int fm_parse(struct item *it, const char *buf, size_t len);
void fm_free(struct item *it);
char *fm_get(const struct item *it, const char *key);   /* malloc'd or NULL */
int fm_set(struct item *it, const char *key, const char *value);
int fm_del(struct item *it, const char *key);
int fm_serialize(const struct item *it, char **buf, size_t *len);
char *fm_encode_value(const char *value);
char *fm_decode_value(const char *raw);
int item_load(struct vault *v, const struct itemref *ref, struct item *it);
int item_store(struct vault *v, const struct itemref *ref,
    const struct item *it);
int item_create(struct vault *v, const struct itemref *ref,
    const struct item *it);

/* move.c: stage moves, one rename each, exactly one winner */
int item_move(struct vault *v, struct itemref *ref, enum stage to,
    const char *sub);
int item_move_as(struct vault *v, struct itemref *ref, enum stage to,
    const char *sub, const char *newid);
int item_annotate(struct vault *v, const struct itemref *ref,
    const char *const *kv);
int done_sub(const char *domain, time_t t, char *buf, size_t size);

/* audit.c: one JSON line per state change, Logs/YYYY-MM-DD.jsonl */
struct json_t;
int audit_event(struct vault *v, const char *event, const char *id,
    const char *from, const char *to, const char *note);
int audit_json(struct vault *v, struct json_t *obj);   /* steals obj */

/* sig.c: approval signatures, SPEC section 6 */
int approval_key_path(char *buf, size_t size);
int approval_key_create(const char *path);
int approval_key_load(unsigned char key[32]);
int approval_sig_compute(const struct item *it, const char *id,
    const unsigned char key[32], char out[65]);
int approval_verify(const struct item *it, const char *id, time_t now);

/* cli.c: the common options and the item argument loop */
struct cli {
	const char *prog;
	const char *vault_dir;
	const char *agent;
	int json, quiet, verbose;
};
extern struct cli cli;
#define CLI_SHORTOPTS "C:a:jqvh"
#define CLI_LONGOPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' + 256 }
int cli_init(const char *prog);
int cli_option(int c, const char *arg, void (*usage)(int));
/* --interval ARG: a duration (30, 90s, 5m) of at least a second; a bad
 * one is warned about and usage(2) called. */
long cli_interval(const char *arg, void (*usage)(int));
int cli_open_vault(struct vault *v);
typedef int (*arg_fn)(const char *arg, void *ctx);
int cli_each_arg(int argc, char **argv, arg_fn fn, void *ctx);
void cli_warn(const char *item, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_warnerr(const char *item);
int cli_refuse_cloud(void);

/* agentkeys.c: what agent holds that belongs to the other agent (write
 * credentials, the approval key, the dashboard's keys on agent cloud), as
 * "KEY, KEY, ..." in buf; 1 when there is any, 0 when none. */
int agent_keys_misplaced(const char *agent, char *buf, size_t size);
int cli_print_json(struct json_t *o);

/* templates.c: files of a new vault */
extern const char tpl_gitignore[], tpl_gitattributes[], tpl_handbook[],
    tpl_dashboard[];

#endif
