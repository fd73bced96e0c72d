/*
 * vault_path.c - fuzz vault_resolve (lib/vault/vault.c): an item argument, as an
 * ID, a vault-relative path or a file path, never resolves to anything but
 * an item file inside the vault reached without symlinks.
 *
 * A scratch tree is made once in $TMPDIR:
 *   vault/     a vault with five items, and symlinks leading out of it
 *              (a stage sub-directory, an item file, a directory) and into
 *              vault2/ through a directory inside it
 *   vault2/    a sibling whose name starts with the vault's (prefix trap)
 *   outside/   items that look real but are not in the vault
 * The working directory is vault/Needs_Action. An input starting with '@'
 * has the '@' replaced by the scratch directory, so absolute paths fuzz too.
 * A resolved item must be one of the five, its path must be stage/sub/ID.md
 * and realpath(root/rel) must be root/rel itself.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "vault/vault.h"

static char base[PATH_MAX];
static struct vault v;

static const char *const items[] = {
	"Needs_Action/email/a1.md", "In_Progress/cloud/b2.md",
	"Pending_Approval/email/c3.md", "Done/email/2026-11/d4.md",
	"Approved/email/E_5.md", NULL
};

static const char *const dirs[] = {
	"vault", "vault/Needs_Action", "vault/Needs_Action/email",
	"vault/In_Progress", "vault/In_Progress/cloud", "vault/Plans",
	"vault/Pending_Approval", "vault/Pending_Approval/email",
	"vault/Approved", "vault/Approved/email", "vault/Rejected",
	"vault/Done", "vault/Done/email", "vault/Done/email/2026-11",
	"vault2", "vault2/Needs_Action", "vault2/Needs_Action/email",
	"outside", "outside/Needs_Action", "outside/Needs_Action/email",
	"outside/Done", "outside/Done/email", "outside/Done/email/2026-11",
	NULL
};

static const char *const files[] = {
	"vault2/Needs_Action/email/v2.md", "outside/Needs_Action/email/x9.md",
	"outside/Done/email/2026-11/d4.md", "outside/secret.md",
	"outside/Needs_Action/email/a1.md", NULL
};

static const char *const links[][2] = {
	{ "vault/Needs_Action/link", "../../outside/Needs_Action/email" },
	{ "vault/Needs_Action/email/sym.md", "../../../outside/secret.md" },
	{ "vault/Needs_Action/email/x9.md",
	  "../../../outside/Needs_Action/email/x9.md" },
	{ "vault/Needs_Action/email/up", "../../../outside" },
	{ "vault/Plans/escape", "../../vault2/Needs_Action/email" },
	{ "vault/Done/web", "../../outside/Done/email" },
	{ "vault/Rejected/email", "../../outside/Needs_Action/email" },
	{ NULL, NULL }
};

static void at(char *buf, const char *rel)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", base, rel) >= PATH_MAX)
		fz_fail("path too long");
}

static void put(const char *rel)
{
	char p[PATH_MAX];
	FILE *f;

	at(p, rel);
	if (!(f = fopen(p, "w")) || fputs("---\ntype: email\n---\nhi\n", f) < 0 ||
	    fclose(f) != 0)
		fz_fail("cannot write %s", p);
}

static int rm(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(p);
	return 0;
}

static void cleanup(void)
{
	vault_close(&v);
	if (*base)
		nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char p[PATH_MAX], root[PATH_MAX];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(p, sizeof p, "%s/aie-fuzz-vault.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(p) || !realpath(p, base))
		fz_fail("mkdtemp %s", p);
	atexit(cleanup);
	for (i = 0; dirs[i]; i++) {
		at(p, dirs[i]);
		if (mkdir(p, 0755) < 0)
			fz_fail("mkdir %s", p);
	}
	for (i = 0; items[i]; i++) {
		snprintf(root, sizeof root, "vault/%s", items[i]);
		put(root);
	}
	for (i = 0; files[i]; i++)
		put(files[i]);
	for (i = 0; links[i][0]; i++) {
		at(p, links[i][0]);
		if (symlink(links[i][1], p) < 0)
			fz_fail("symlink %s", p);
	}
	at(root, "vault");
	if (vault_open(&v, root, "fuzz") < 0)
		fz_fail("vault_open: %s", aie_errmsg);
	at(p, "vault/Needs_Action");
	if (chdir(p) < 0)
		fz_fail("chdir %s", p);
	return 0;
}

static void check(const char *arg, const struct itemref *ref)
{
	char want[600], full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	size_t i;

	if (!id_valid(ref->id))
		fz_fail("\"%s\" resolved to bad ID \"%s\"", arg, ref->id);
	if ((unsigned)ref->stage >= ST_COUNT)
		fz_fail("\"%s\" resolved to stage %d", arg, (int)ref->stage);
	snprintf(want, sizeof want, "%s/%s%s%s.md", stage_dir[ref->stage],
	    ref->sub, *ref->sub ? "/" : "", ref->id);
	if (strcmp(want, ref->rel) != 0)
		fz_fail("\"%s\" resolved to \"%s\", not %s", arg, ref->rel, want);
	for (i = 0; items[i]; i++)
		if (strcmp(items[i], ref->rel) == 0)
			break;
	if (!items[i])
		fz_fail("\"%s\" resolved to \"%s\", not an item of the vault",
		    arg, ref->rel);
	snprintf(full, sizeof full, "%s/%s", v.root, ref->rel);
	if (!realpath(full, real) || strcmp(real, full) != 0)
		fz_fail("\"%s\" resolved to %s, really %s", arg, full, real);
	if (lstat(full, &st) < 0 || !S_ISREG(st.st_mode))
		fz_fail("\"%s\" resolved to %s, not a regular file", arg, full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itemref ref;
	char *s, *arg;
	size_t n;

	if (size > 2048)
		return 0;
	s = fz_cstr(data, size);
	arg = s;
	if (*s == '@') {
		n = strlen(base) + strlen(s);
		if (!(arg = malloc(n)))
			fz_fail("out of memory");
		snprintf(arg, n, "%s%s", base, s + 1);
	}
	memset(&ref, 0, sizeof ref);
	if (vault_resolve(&v, arg, &ref) == 0)
		check(arg, &ref);
	else if (aie_errcode != EX_DATA && aie_errcode != EX_NEG)
		fz_fail("vault_resolve(\"%s\") failed with %d: %s", arg,
		    aie_errcode, aie_errmsg);
	if (arg != s)
		free(arg);
	free(s);
	return 0;
}
