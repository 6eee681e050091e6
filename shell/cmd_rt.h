/* cmd_rt.h — the `rt` command's subcommands, shared by shell/cmd_rt*.c
 * (analysis in cmd_rt.c, run time in cmd_rt_run.c). */
#ifndef RAYOS_SHELL_CMD_RT_H
#define RAYOS_SHELL_CMD_RT_H
#include <rayos/types.h>

/* argv[0] is the subcommand name */
int rt_cmd_run(int argc, char **argv);
int rt_cmd_latency(int argc, char **argv);
int rt_cmd_status(int argc, char **argv);
int rt_cmd_isolate(int argc, char **argv); /* isolate / unisolate */
/* Milliseconds ("20", "0.5", ".25", "2.250": up to three significant
 * decimals) -> µs (the first len bytes of s) or ns: 0, -EINVAL, -ERANGE. */
int rt_parse_ms_us(const char *s, size_t len, u64 *us);
int rt_parse_ms(const char *s, u64 *ns);

#endif
