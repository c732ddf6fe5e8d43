// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The log sink is process-wide state by nature (stderr or syslog); it is
 * not on the packet path except through log_ratelimited(), whose state is
 * owned by the caller.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include "daemon/log.h"

static enum log_level log_level = LOG_LVL_NOTICE;
static bool log_syslog;

static const int log_prio[] = {
	[LOG_LVL_ERR] = LOG_ERR,
	[LOG_LVL_WARNING] = LOG_WARNING,
	[LOG_LVL_NOTICE] = LOG_NOTICE,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

void log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = true;
}

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level log_get_level(void)
{
	return log_level;
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	if (log_syslog) {
		vsyslog(log_prio[lvl], fmt, ap);
		return;
	}
	/* systemd's journal reads the priority from a <N> prefix on stderr. */
	fprintf(stderr, "<%d>tunfilterd: ", log_prio[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

#define LOG_RL_BURST 10u
#define LOG_RL_INTERVAL_MS 100u /* one token per 100 ms: 10 a second */

bool log_ratelimit_take(struct log_ratelimit *rl, uint64_t now_ms, uint32_t *suppressed)
{
	uint64_t refill = (now_ms - rl->last_ms) / LOG_RL_INTERVAL_MS;

	if (refill) {
		rl->tokens = refill >= LOG_RL_BURST ? LOG_RL_BURST :
			     (uint32_t)(rl->tokens + refill > LOG_RL_BURST ? LOG_RL_BURST :
									  rl->tokens + refill);
		rl->last_ms += refill * LOG_RL_INTERVAL_MS;
	}
	*suppressed = 0;
	if (!rl->tokens) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void log_ratelimited(struct log_ratelimit *rl, uint64_t now_ms, enum log_level lvl, const char *fmt,
		     ...)
{
	uint32_t suppressed;
	va_list ap;

	if (lvl > log_level)
		return;
	if (!log_ratelimit_take(rl, now_ms, &suppressed))
		return;
	if (suppressed)
		log_msg(lvl, "%u similar messages suppressed", suppressed);
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void log_line(int prio, const char *line)
{
	if (prio < LOG_EMERG || prio > LOG_DEBUG)
		prio = LOG_WARNING;
	if (log_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	fprintf(stderr, "<%d>tunfilterd: %s\n", prio, line);
}
