/*
 * config.h - config.c beyond what aie.h declares.
 */
#ifndef AIE_CONFIG_H
#define AIE_CONFIG_H

void config_unload(void);

#endif
