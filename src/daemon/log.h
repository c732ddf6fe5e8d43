/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging to stderr (foreground, or the journal under systemd, which takes
 * stderr) with a level. log_ratelimited() is the only logging allowed on
 * the per-packet path: a token bucket per call site, no formatting when the
 * message is suppressed, and a count of what was suppressed.
 */
#ifndef TF_DAEMON_LOG_H
#define TF_DAEMON_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include "daemon/config.h"

struct log_ratelimit {
	uint64_t last_ms;
	uint32_t tokens;
	uint32_t suppressed;
};

/* Log to syslog (daemon facility) instead of stderr: used when tunfilterd
 * detaches from its terminal. */
void log_use_syslog(const char *ident);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At most 10 messages a second with a burst of 10 per bucket. */
void log_ratelimited(struct log_ratelimit *rl, uint64_t now_ms, enum log_level lvl, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/*
 * The bucket of log_ratelimited() alone, for a caller that formats its own
 * line and must not format one that would be dropped (the LOG target):
 * true when a message may go out now (a token is taken). *suppressed gets
 * the number of messages refused since the last one that went out, and
 * that count restarts; the caller reports it in its own words.
 */
bool log_ratelimit_take(struct log_ratelimit *rl, uint64_t now_ms, uint32_t *suppressed);

/* One preformatted line at syslog priority prio (0 emerg .. 7 debug) to the
 * same sink as log_msg, whatever the daemon's level: the LOG target's level
 * is for whoever reads the log, as the kernel's printk level is. */
void log_line(int prio, const char *line);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
