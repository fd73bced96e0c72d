/*
 * loop.c - stopping and pausing the --interval loop (loop.h). The pause
 * sleeps at most a second at a time, to a deadline on the monotonic
 * clock, so a stop is seen within a second even when the signal lands
 * between the check and the sleep.
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

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void loop_nap(double seconds)
{
	double end = monotonic_s() + seconds, left;
	struct timespec ts;

	while (!loop_stop && (left = end - monotonic_s()) > 0) {
		if (left > 1)
			left = 1;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}
