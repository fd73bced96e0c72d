/*
 * loop.h - the --interval loop of the long-running tools (mail-fetch,
 * vault-exec): SIGTERM and SIGINT set loop_stop, the tool finishes the item
 * in hand and exits 0, and the pause between passes ends at once on a stop.
 */
#ifndef AIE_LOOP_H
#define AIE_LOOP_H

#include <signal.h>

extern volatile sig_atomic_t loop_stop;

void loop_catch_term(void);     /* SIGTERM and SIGINT set loop_stop */
void loop_nap(long seconds);    /* sleep, waking early when loop_stop is set */

#endif
