/*
 * lock.h - "one at a time" for a tool and an agent: flock(2) on a file
 * in .state/<agent>/, released when the process dies (nq's design).
 */
#ifndef AIE_LOCK_H
#define AIE_LOCK_H

#include "aie.h"

/* Lock .state/<agent>/<name>.lock. wait: block until it is free; else
 * fail at once (75, "held by another process"). The fd, or -1. */
int state_lock(struct vault *v, const char *name, int wait);
void state_unlock(int fd);

#endif
