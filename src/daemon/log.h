/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging to stderr (foreground, or the journal under systemd, which takes
 * stderr) with a level. log_ratelimited() is the only logging allowed on
 * the per-packet path: a token bucket per call site, no formatting when the
 * message is suppressed, and a count of what was suppressed.
 */
#ifndef TF_DAEMON_LOG_H
#define TF_DAEMON_LOG_H

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

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
