/*
 * config.h - config.c beyond what aie.h declares.
 */
#ifndef AIE_CONFIG_H
#define AIE_CONFIG_H

void config_unload(void);

/*
 * Numeric settings, strictly: the value of key, or fallback when it is
 * unset (or empty). A value that is not a number, or is outside
 * [min, max], is -1 with 78 (EX_CONFIG_) and a message that names the key
 * and the accepted range; the caller says it and stops.
 *
 * config_long: a decimal whole number ("-" allowed, nothing else around it).
 * config_seconds: a duration as duration_parse reads it (30, 90s, 5m, 2h,
 * 1d, 1w), in seconds.
 * config_double: decimal digits with at most one point (no sign, exponent,
 * nan or inf), so only min >= 0 ranges make sense.
 */
int config_long(const char *key, long fallback, long min, long max,
    long *out);
int config_seconds(const char *key, long fallback, long min, long max,
    long *out);
int config_double(const char *key, double fallback, double min, double max,
    double *out);

#endif
