/*
 * base.h - what every part of ai-employee stands on: exit statuses,
 * errors as values, growing buffers, whole files at a directory fd, the
 * --interval loop, and text shown with its hidden characters marked.
 *
 * lib/ never prints and never exits: a function that fails returns -1 and
 * leaves a message in aie_errmsg and a suggested exit status in aie_errcode
 * (one of the EX_ codes below), so the caller can say "tool: item: reason"
 * and exit with the documented code (see ai-employee(7), EXIT STATUS).
 */
#ifndef AIE_BASE_H
#define AIE_BASE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

/* Exit statuses, see ai-employee(7), EXIT STATUS. The 64-78 ones are
 * <sysexits.h>'s (EX_CONFIG is used by that name); the short names below
 * say what they mean here. 0, 1 and 2 are this project's own: a bad
 * command line is 2, as for most Unix tools, not sysexits' EX_USAGE (64). */
enum {
	EX_DONE = 0,                 /* did it (sysexits' EX_OK) */
	EX_NEG = 1,                  /* a negative answer: nothing to do, no */
	EX_ARGS = 2,                 /* bad arguments or options */
	EX_DATA = EX_DATAERR,        /* 65: bad input */
	EX_DOWN = EX_UNAVAILABLE,    /* 69: a service or feature is not there */
	EX_TEMP = EX_TEMPFAIL,       /* 75: try again later */
	EX_REFUSED = EX_NOPERM       /* 77: not allowed */
};

#define AIE_ID_MAX 120
#define AIE_NAME_MAX 32          /* agent and domain names */
#define AIE_ITEM_MAX (8 << 20)   /* an item file larger than this is refused */

/* error.c */
extern char aie_errmsg[512];
extern int aie_errcode;
/* The program's name, for the audit log's "tool" (NULL until set: a CGI
 * program leaves it unset). cli_init sets it for the tools. */
void aie_set_prog(const char *name);
const char *aie_prog(void);
int aie_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int aie_fail_errno(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* file.c: whole files in and out of the vault, atomically */
int path_parent_at(int dirfd, const char *rel, int create, char *name,
    size_t namesize);
int file_readat(int dirfd, const char *rel, char **buf, size_t *len);
int file_writeat(int dirfd, const char *rel, const char *buf, size_t len,
    int mode);
int file_appendat(int dirfd, const char *rel, const char *buf, size_t len);
/* All of buf written to fd, a short write or EINTR taken up again: 0, or
 * -1 with errno set. */
int fd_write_all(int fd, const void *buf, size_t len);
/* As file_writeat, but only over a file that is there: one that was moved
 * or removed meanwhile is not made again (-1 with 1, "no longer there").
 * For an edit that must not bring back a draft decided meanwhile. */
int file_replaceat(int dirfd, const char *rel, const char *buf, size_t len,
    int mode);

/* secret.c: the files that hold secrets. Open path for reading when it is
 * a regular file that only its owner may use (a FIFO is refused, not
 * waited on; a symbolic link too when nofollow is set): the fd, or -1 with
 * aie_errmsg naming path and the reason, and errno set as open(2) left it
 * when the file could not be opened (so the caller may tell a missing
 * file, ENOENT), else 0. */
int secret_open(const char *path, int nofollow);
/* Read such a file whole (at most size-1 bytes) into buf, NUL-terminated,
 * its trailing line ends dropped: its length, or -1 as secret_open. */
int secret_read(const char *path, int nofollow, char *buf, size_t size);
/* Read a key file, one line of 64 hexadecimal digits, into key: 0, or -1
 * as secret_read, or with "PATH: not WHAT" (errno 0) when it holds
 * anything else. */
int secret_read_key(const char *path, int nofollow, const char *what,
    unsigned char key[32]);

/*
 * buf.h - a growable byte buffer for the parsers and composers of lib/
 * (mime.c, htmltext.c, smtp.c). An allocation failure is sticky: the
 * buffer remembers it, later appends do nothing, and the owner checks
 * once at the end, so parser code does not test every append.
 */
struct buf {
	char *p;                 /* always NUL-terminated when not NULL */
	size_t len, cap;
	size_t max;              /* 0: no cap; else appends beyond it are cut */
	int oom, cut;            /* allocation failed; something was cut */
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Untrusted text for a model's prompt, inside one of our tags: at most
 * max bytes (then "[... truncated]"), "</" defused so it cannot close the
 * tag, control bytes other than newline and tab dropped. */
void buf_add_untrusted(struct buf *b, const char *s, size_t max);
/* Hand over the bytes (malloc'd, NUL-terminated; "" when empty), or NULL
 * when an allocation failed. The buffer is empty afterwards. */
char *buf_take(struct buf *b, size_t *len);
void buf_free(struct buf *b);

/*
 * loop.h - the --interval loop of the long-running tools (mail-fetch,
 * vault-exec, vault-sync): SIGTERM and SIGINT set loop_stop, the tool
 * finishes the item in hand and exits 0, and the pause between passes ends
 * at once on a stop.
 */
extern volatile sig_atomic_t loop_stop;

/* SIGTERM and SIGINT set loop_stop; without SA_RESTART, so that a wait
 * in poll(2) or nanosleep(2) ends at once. */
void loop_catch_term(void);
void loop_nap(double seconds);  /* sleep, waking early when loop_stop is set */

/*
 * showtext.h - text as the owner must see it before it is signed: every
 * byte either shown as itself or marked, so nothing the signature covers
 * can hide (see approve(1), "What is signed"). approve -i and the
 * dashboard draw a draft through the same split; approval refuses what
 * show_refused() finds.
 */
#define SHOW_TOKEN_MAX 16        /* "U+10FFFF", "0xFF" and their NUL */

/* One piece of a text: n bytes at s shown as they are (mark NULL), or one
 * character or byte that must be shown marked, mark naming it: "U+202E"
 * for a control, a bidi or an invisible character, "0xFF" for a byte that
 * is not UTF-8. */
typedef void (*show_fn)(void *ctx, const char *s, size_t n, const char *mark);

/* Split s[0..len) into pieces for fn, in order. Marked: every C0 control
 * but tab (and, when multiline, LF, and CR directly before LF), DEL, C1
 * controls, bidi controls, zero-width and other invisible characters,
 * Unicode tag characters, the brackets the marks are drawn in, and any
 * byte that is not part of valid UTF-8. */
void show_split(const char *s, size_t len, int multiline, show_fn fn,
    void *ctx);

/* Where approval refuses s[0..len): the offset of the first NUL or other
 * control (C0 but tab, and LF and CR-before-LF when multiline; DEL; C1)
 * or invalid UTF-8, with its name in tok; (size_t)-1 when there is none.
 * Bidi and invisible characters are shown marked, not refused: they are
 * real text in some languages. */
size_t show_refused(const char *s, size_t len, int multiline,
    char tok[SHOW_TOKEN_MAX]);

#endif
