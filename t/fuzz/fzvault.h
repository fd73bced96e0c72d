/*
 * fzvault.h - a vault in a temp dir for the harnesses whose code reads
 * one, as the tools' does: the stage directories and any others named,
 * removed when the harness exits. Include after fuzz.h.
 */
#ifndef FZVAULT_H
#define FZVAULT_H

#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"

static char fz_vault_dir[PATH_MAX];

static int fz_vault_rm(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void fz_vault_remove(void)
{
	if (*fz_vault_dir)
		nftw(fz_vault_dir, fz_vault_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make the vault under $TMPDIR (a name with tag in it), with the
 * directories of dirs (NULL-terminated, parents first) beside the stages,
 * and open v on it as agent fuzz; its path. Any failure ends the run. */
__attribute__((unused))
static const char *fz_vault(struct vault *v, const char *tag,
    const char *const *dirs)
{
	static const enum stage st[] = { ST_NEEDS_ACTION, ST_IN_PROGRESS,
	    ST_PENDING, ST_APPROVED, ST_DONE };
	const char *tmp = getenv("TMPDIR");
	char p[PATH_MAX + 64];
	size_t i;

	snprintf(fz_vault_dir, sizeof fz_vault_dir, "%s/aie-fuzz-%s.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(fz_vault_dir))
		fz_fail("mkdtemp %s", fz_vault_dir);
	atexit(fz_vault_remove);
	for (i = 0; i < sizeof st / sizeof st[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", fz_vault_dir, stage_dir[st[i]]);
		if (mkdir(p, 0755) < 0)
			fz_fail("mkdir %s", p);
	}
	for (i = 0; dirs && dirs[i]; i++) {
		snprintf(p, sizeof p, "%s/%s", fz_vault_dir, dirs[i]);
		if (mkdir(p, 0755) < 0)
			fz_fail("mkdir %s", p);
	}
	if (vault_open(v, fz_vault_dir, "fuzz") < 0)
		fz_fail("vault_open: %s", aie_errmsg);
	return fz_vault_dir;
}

#endif
