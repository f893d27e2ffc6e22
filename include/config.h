/*
 * config.h — `essayd serve` settings from flags and ESSAYD_* environment
 * variables (flags win), from one table that also writes the help text.
 */
#ifndef ESSAYD_CONFIG_H
#define ESSAYD_CONFIG_H

#include <stdio.h>

#include "server.h"

/* Fills c: defaults, then the environment, then argv (the arguments after
 * "serve"). Returns 0; 1 if --help was given (help printed to stdout); -1
 * with a message in err for a usage error. */
int config_load(server_config *c, int argc, char **argv, char *err, size_t errlen);

/* The options with their variables and defaults, for --help. */
void config_help(FILE *out);

#endif
