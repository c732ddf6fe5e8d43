// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilter monitor trace (see cmd_monitor.h).
 *
 * State: one struct cmd_monitor exists while at least one monitor is
 * connected, and it is the router's trace_arg; router->trace points to
 * cmd_monitor_trace then and is NULL otherwise, so the packet path pays
 * nothing when nobody listens (table.c tests router->trace before it
 * formats anything). The first monitor creates the state, the last one to
 * leave (its gone callback) removes it; no global is needed to find it.
 *
 * Formatting: each step is formatted once per format in use (text, JSON)
 * and the same bytes are queued to every monitor of that format.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control/cmd_iptables.h"
#include "control/cmd_monitor.h"
#include "control/cmd_trace.h"
#include "control/server.h"
#include "core/router.h"
#include "daemon/daemon.h"

struct cmd_monitor;

struct cmd_monitor_client {
	struct cmd_monitor_client *next;
	struct cmd_monitor *m;
	struct control_client *cl;
	bool json;
	uint64_t lost;             /* events lost since the last one delivered */
};

struct cmd_monitor {
	struct router *r;
	struct cmd_monitor_client *clients;
	unsigned int n;
	uint64_t events, lost;     /* totals */
};

/* ---- delivery ---- */

/*
 * Queue one event. After losses the event carries a note in front ("lost
 * 12 events", or {"lost":12}) in the same message, so that the note never
 * takes the room the event needed: either both arrive or both are lost.
 */
static void cmd_monitor_send(struct cmd_monitor *m, struct cmd_monitor_client *c,
			     const struct out *ev)
{
	char buf[512];
	const char *msg = ev->buf;
	size_t len = ev->len;
	int n;

	if (!ev->buf || ev->oom)
		return;
	if (c->lost) {
		n = snprintf(buf, sizeof(buf), c->json ? "{\"lost\":%" PRIu64 "}\n%s" :
			     "lost %" PRIu64 " events\n%s", c->lost, ev->buf);
		if (n > 0 && (size_t)n < sizeof(buf)) {
			msg = buf;
			len = (size_t)n;
		}
	}
	if (control_client_send_event(c->cl, msg, len) < 0) {
		c->lost++;
		m->lost++;
		return;
	}
	if (msg == buf)
		c->lost = 0;
}

static void cmd_monitor_trace(void *arg, const struct pkt *p, const char *table,
			      const char *chain, unsigned int rulenum, const char *what)
{
	struct cmd_monitor *m = arg;
	struct cmd_monitor_client *c;
	bool text = false, json = false;
	struct out t, j;

	for (c = m->clients; c; c = c->next) {
		json |= c->json;
		text |= !c->json;
	}
	out_init(&t, false);
	out_init(&j, true);
	if (text)
		cmd_trace_format(m->r, p, table, chain, rulenum, what, &t);
	if (json)
		cmd_trace_format(m->r, p, table, chain, rulenum, what, &j);
	m->events++;
	for (c = m->clients; c; c = c->next)
		cmd_monitor_send(m, c, c->json ? &j : &t);
	out_free(&t);
	out_free(&j);
}

/* ---- clients ---- */

static void cmd_monitor_gone(struct control_client *cl, void *arg)
{
	struct cmd_monitor_client *c = arg, **pp;
	struct cmd_monitor *m = c->m;

	for (pp = &m->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c);
	if (--m->n)
		return;
	/* The last monitor left: the packet path stops reporting. */
	m->r->trace = NULL;
	m->r->trace_arg = NULL;
	free(m);
}

static struct cmd_monitor *cmd_monitor_get(struct router *r)
{
	struct cmd_monitor *m;

	if (r->trace == cmd_monitor_trace)
		return r->trace_arg;
	if (r->trace)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->r = r;
	return m;
}

unsigned int cmd_monitor_count(const struct router *r)
{
	const struct cmd_monitor *m = r->trace_arg;

	return r->trace == cmd_monitor_trace && m ? m->n : 0;
}

int cmd_monitor_run(struct daemon *d, struct out *o, struct out *e)
{
	struct router *r = &d->router;
	struct control_client *cl = d->ctl ? control_current(d->ctl) : NULL;
	struct cmd_monitor_client *c;
	struct cmd_monitor *m;

	if (!cl)
		return cmd_iptables_fail(e, 1, "monitor: not on a control connection");
	m = cmd_monitor_get(r);
	if (!m)
		return cmd_iptables_fail(e, 1, "monitor: %s", r->trace ?
					 "the trace hook is taken" : "out of memory");
	c = calloc(1, sizeof(*c));
	if (!c || control_client_stream(cl, cmd_monitor_gone, c) < 0) {
		free(c);
		if (!m->n)
			free(m);
		return cmd_iptables_fail(e, 1, "monitor: cannot stream on this connection");
	}
	c->m = m;
	c->cl = cl;
	c->json = o->json;
	c->next = m->clients;
	m->clients = c;
	m->n++;
	r->trace = cmd_monitor_trace;
	r->trace_arg = m;
	return 0;
}
