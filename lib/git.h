/*
 * git.h - the thin wrapper around libgit2 that the tools share.
 */
#ifndef AIE_GIT_H
#define AIE_GIT_H

#include <git2.h>

int git_start(void);
const char *git_errstr(void);
int git_signature_for(git_signature **sig, const char *agent);
int git_init_vault(const char *dir, const char *agent, const char *message);

#endif
