/*
 * loop.c - stopping and pausing the --interval loop (loop.h). The pause
 * sleeps a second at a time, so a stop is seen within a second even when
 * the signal lands between the check and the sleep.
 */
#include <string.h>
#include <time.h>

#include "base/base.h"

volatile sig_atomic_t loop_stop;

static void on_term(int sig)
{
	(void)sig;
	loop_stop = 1;
}

void loop_catch_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

void loop_nap(long seconds)
{
	struct timespec ts = { 1, 0 };
	long i;

	for (i = 0; i < seconds && !loop_stop; i++)
		nanosleep(&ts, NULL);
}
