// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilter conntrack (see cmd_conntrack.h).
 *
 * -E: while at least one listener is connected, the table's event callback
 * is set (conntrack/table.h) and every event is formatted at most once per
 * output format, then queued to each listener whose filters and event mask
 * take it. The last listener to leave unsets the callback, so the packet
 * path pays nothing when nobody listens. A listener that reads too slowly
 * loses events (the control server bounds its backlog); it is told how
 * many ("lost 12 events") once it catches up.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "conntrack/ct.h"
#include "conntrack/print.h"
#include "conntrack/proto.h"
#include "conntrack/table.h"
#include "control/cmd.h"
#include "control/cmd_conntrack.h"
#include "control/server.h"
#include "core/router.h"
#include "daemon/daemon.h"

enum cmd_ct_cmd { CT_CMD_LIST, CT_CMD_DELETE, CT_CMD_FLUSH, CT_CMD_COUNT, CT_CMD_STATS,
		  CT_CMD_EVENT };

/* The four addresses and ports a filter can name. */
enum { CT_F_OSRC, CT_F_ODST, CT_F_RSRC, CT_F_RDST, CT_F_NADDR };

enum {
	CT_F_PROTO = 1u << 0,
	CT_F_ADDR = 1u << 1,       /* << CT_F_*SRC/DST: 4 bits */
	CT_F_PORT = 1u << 5,       /* << CT_F_*SRC/DST: 4 bits */
	CT_F_STATE = 1u << 9,
	CT_F_MARK = 1u << 10,
	CT_F_STATUS = 1u << 11,
};

struct cmd_ct_filter {
	unsigned int flags;
	uint8_t proto;
	int tcp_state;
	uint32_t addr[CT_F_NADDR], mask[CT_F_NADDR];
	uint16_t port[CT_F_NADDR];
	uint32_t mark, markmask;
	uint16_t status;
	unsigned int events;       /* -E: CT_EV_* wanted */
};

/* ---- messages ---- */

static int cmd_ct_fail(struct out *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cmd_ct_fail(struct out *e, int status, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_text(e, "tunfilter: conntrack: %s\n", buf);
	return status;
}

/* ---- parsing ---- */

static int cmd_ct_addr(const char *opt, const char *arg, uint32_t *addr, uint32_t *mask,
		       struct out *e)
{
	char buf[64], *slash, *end;
	struct in_addr a;
	unsigned long plen = 32;

	snprintf(buf, sizeof(buf), "%s", arg);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		plen = strtoul(slash, &end, 10);
		if (!*slash || *end || plen > 32)
			return cmd_ct_fail(e, CMD_BAD_PARAM, "bad prefix length in %s \"%s\"", opt,
					   arg);
	}
	if (strlen(arg) >= sizeof(buf) || inet_pton(AF_INET, buf, &a) != 1)
		return cmd_ct_fail(e, CMD_BAD_PARAM, "bad address \"%s\" for %s", arg, opt);
	*mask = htonl(plen ? 0xffffffffu << (32 - plen) : 0);
	*addr = a.s_addr & *mask;
	return 0;
}

static int cmd_ct_u32(const char *opt, const char *arg, uint32_t max, uint32_t *out,
		      struct out *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (!*arg || *end || errno || v > max || arg[0] == '-')
		return cmd_ct_fail(e, CMD_BAD_PARAM, "bad value \"%s\" for %s", arg, opt);
	*out = (uint32_t)v;
	return 0;
}

static int cmd_ct_proto(const char *arg, uint8_t *out, struct out *e)
{
	struct protoent pe, *res = NULL;
	char buf[1024];
	uint32_t v;

	if (isdigit((unsigned char)arg[0])) {
		if (cmd_ct_u32("-p", arg, 255, &v, e))
			return CMD_BAD_PARAM;
		*out = (uint8_t)v;
		return 0;
	}
	if (!strcasecmp(arg, "tcp") || !strcasecmp(arg, "udp") || !strcasecmp(arg, "icmp")) {
		*out = tolower((unsigned char)arg[0]) == 't' ? 6 :
		       tolower((unsigned char)arg[0]) == 'u' ? 17 : 1;
		return 0;
	}
	if (getprotobyname_r(arg, &pe, buf, sizeof(buf), &res) == 0 && res) {
		*out = (uint8_t)res->p_proto;
		return 0;
	}
	return cmd_ct_fail(e, CMD_BAD_PARAM, "unknown protocol \"%s\"", arg);
}

static int cmd_ct_words(const char *opt, const char *arg, const char *const *names,
			const unsigned int *bits, unsigned int n, unsigned int *out, struct out *e)
{
	const char *s = arg;
	unsigned int i;

	*out = 0;
	do {
		size_t len = strcspn(s, ",");

		for (i = 0; i < n; i++)
			if (strlen(names[i]) == len && !strncasecmp(s, names[i], len))
				break;
		if (i == n)
			return cmd_ct_fail(e, CMD_BAD_PARAM, "unknown %s \"%.*s\"", opt, (int)len,
					   s);
		*out |= bits[i];
		s += len;
	} while (*s++ == ',');
	return 0;
}

static int cmd_ct_status(const char *arg, uint16_t *out, struct out *e)
{
	static const char *const names[] = { "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED",
					     "SRC_NAT", "DST_NAT" };
	static const unsigned int bits[] = { CT_S_EXPECTED, CT_S_SEEN_REPLY, CT_S_ASSURED,
					     CT_S_CONFIRMED, CT_S_SRC_NAT, CT_S_DST_NAT };
	unsigned int v;
	int rc = cmd_ct_words("status", arg, names, bits, 6, &v, e);

	*out = (uint16_t)v;
	return rc;
}

static int cmd_ct_events(const char *arg, unsigned int *out, struct out *e)
{
	static const char *const names[] = { "NEW", "UPDATE", "DESTROY", "ALL" };
	static const unsigned int bits[] = { CT_EV_NEW, CT_EV_UPDATE, CT_EV_DESTROY,
					     CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY };

	return cmd_ct_words("event", arg, names, bits, 4, out, e);
}

struct cmd_ct_opt {
	const char *lng, *shrt;
	int id;
};

enum {
	O_PROTO = 1, O_OSRC, O_ODST, O_RSRC, O_RDST, O_OSPORT, O_ODPORT, O_RSPORT, O_RDPORT,
	O_STATE, O_MARK, O_STATUS, O_EVENTS,
};

static const struct cmd_ct_opt cmd_ct_opts[] = {
	{ "--proto", "-p", O_PROTO },          { "--orig-src", "-s", O_OSRC },
	{ "--src", NULL, O_OSRC },             { "--orig-dst", "-d", O_ODST },
	{ "--dst", NULL, O_ODST },             { "--reply-src", "-r", O_RSRC },
	{ "--reply-dst", "-q", O_RDST },       { "--orig-port-src", NULL, O_OSPORT },
	{ "--sport", NULL, O_OSPORT },         { "--orig-port-dst", NULL, O_ODPORT },
	{ "--dport", NULL, O_ODPORT },         { "--reply-port-src", NULL, O_RSPORT },
	{ "--reply-port-dst", NULL, O_RDPORT }, { "--state", NULL, O_STATE },
	{ "--mark", "-m", O_MARK },            { "--status", "-u", O_STATUS },
	{ "--event-mask", "-e", O_EVENTS },    { NULL, NULL, 0 },
};

static int cmd_ct_filter_opt(struct cmd_ct_filter *f, int id, const char *opt, const char *arg,
			     struct out *e)
{
	uint32_t v;
	int i;

	switch (id) {
	case O_PROTO:
		f->flags |= CT_F_PROTO;
		return cmd_ct_proto(arg, &f->proto, e);
	case O_OSRC: case O_ODST: case O_RSRC: case O_RDST:
		i = id - O_OSRC;
		f->flags |= CT_F_ADDR << i;
		return cmd_ct_addr(opt, arg, &f->addr[i], &f->mask[i], e);
	case O_OSPORT: case O_ODPORT: case O_RSPORT: case O_RDPORT:
		i = id - O_OSPORT;
		f->flags |= CT_F_PORT << i;
		if (cmd_ct_u32(opt, arg, 65535, &v, e))
			return CMD_BAD_PARAM;
		f->port[i] = htons((uint16_t)v);
		return 0;
	case O_STATE:
		f->flags |= CT_F_STATE;
		f->tcp_state = ct_tcp_state_by_name(arg);
		if (f->tcp_state <= 0)
			return cmd_ct_fail(e, CMD_BAD_PARAM, "unknown TCP state \"%s\"", arg);
		return 0;
	case O_MARK: {
		char buf[64], *slash;

		f->flags |= CT_F_MARK;
		snprintf(buf, sizeof(buf), "%s", arg);
		slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		f->markmask = 0xffffffffu;
		if (cmd_ct_u32(opt, buf, UINT32_MAX, &f->mark, e) ||
		    (slash && cmd_ct_u32(opt, slash, UINT32_MAX, &f->markmask, e)))
			return CMD_BAD_PARAM;
		return 0;
	}
	case O_STATUS:
		f->flags |= CT_F_STATUS;
		return cmd_ct_status(arg, &f->status, e);
	default:
		return cmd_ct_events(arg, &f->events, e);
	}
}

static int cmd_ct_parse(int argc, const char *const *argv, struct cmd_ct_filter *f,
			bool events, struct out *e)
{
	const struct cmd_ct_opt *o;
	const char *name, *arg, *eq;
	size_t nlen;
	int i, rc;

	memset(f, 0, sizeof(*f));
	f->events = CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY;
	for (i = 0; i < argc; i++) {
		name = argv[i];
		eq = strncmp(name, "--", 2) == 0 ? strchr(name, '=') : NULL;
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		for (o = cmd_ct_opts; o->lng; o++)
			if ((strlen(o->lng) == nlen && !strncmp(o->lng, name, nlen)) ||
			    (!eq && o->shrt && !strcmp(o->shrt, name)))
				break;
		if (!o->lng || (o->id == O_EVENTS && !events))
			return cmd_ct_fail(e, CMD_BAD_PARAM, "unknown option \"%s\"", name);
		if (eq) {
			arg = eq + 1;
		} else {
			if (i + 1 >= argc)
				return cmd_ct_fail(e, CMD_BAD_PARAM, "option \"%s\" needs a value",
						   name);
			arg = argv[++i];
		}
		rc = cmd_ct_filter_opt(f, o->id, o->lng, arg, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- filtering ---- */

static bool cmd_ct_filter_match(const struct cmd_ct_filter *f, const struct ct_entry *en)
{
	const struct ct_tuple *t[2] = { ct_entry_tuple(en, CT_DIR_ORIGINAL),
					ct_entry_tuple(en, CT_DIR_REPLY) };
	int i;

	if ((f->flags & CT_F_PROTO) && ct_entry_proto(en) != f->proto)
		return false;
	for (i = 0; i < CT_F_NADDR; i++) {
		const struct ct_tuple *tu = t[i / 2];
		uint32_t a = i % 2 ? tu->dst : tu->src;
		uint16_t port = i % 2 ? tu->d.port : tu->s.port;

		if ((f->flags & (CT_F_ADDR << i)) && (a & f->mask[i]) != f->addr[i])
			return false;
		if ((f->flags & (CT_F_PORT << i)) &&
		    ((tu->proto != IPPROTO_TCP && tu->proto != IPPROTO_UDP) || port != f->port[i]))
			return false;
	}
	if ((f->flags & CT_F_STATE) &&
	    (ct_entry_proto(en) != IPPROTO_TCP || en->proto.tcp.state != f->tcp_state))
		return false;
	if ((f->flags & CT_F_MARK) && (en->mark & f->markmask) != f->mark)
		return false;
	if ((f->flags & CT_F_STATUS) && (en->status & f->status) != f->status)
		return false;
	return true;
}

/* ---- -L, -D, -F, -C, -S ---- */

struct cmd_ct_walk {
	const struct cmd_ct_filter *f;
	struct out *o;
	bool del;
	unsigned int n;
};

static int cmd_ct_one(struct ct_table *t, struct ct_entry *en, void *arg)
{
	struct cmd_ct_walk *w = arg;

	/* A clash loser (clash.c) is left out, as ctnetlink's dump leaves out
	 * what is not hashed by its original tuple; -D removes what -L shows
	 * (conntrack(8) deletes the entries it dumped), -F removes it too. */
	if (en->status & CT_S_NAT_CLASH)
		return 0;
	if (!cmd_ct_filter_match(w->f, en))
		return 0;
	w->n++;
	if (w->del)
		ct_table_kill(t, en);
	else
		ct_print_entry(w->o, t, en, 0);
	return 0;
}

static int cmd_ct_list(struct ct_table *t, const struct cmd_ct_filter *f, bool del,
		       struct out *o, struct out *e)
{
	struct cmd_ct_walk w = { f, o, del, 0 };

	if (del) {
		ct_table_walk(t, cmd_ct_one, &w);
		out_obj_open(o, NULL);
		out_u64(o, "deleted", NULL, w.n);
		out_obj_close(o);
		out_text(e, "tunfilter: %u flow entries have been deleted.\n", w.n);
		return CMD_OK;
	}
	out_arr_open(o, NULL);
	ct_table_walk(t, cmd_ct_one, &w);
	out_arr_close(o);
	out_text(e, "tunfilter: %u flow entries have been shown.\n", w.n);
	return CMD_OK;
}

static int cmd_ct_count(struct ct_table *t, struct out *o)
{
	out_obj_open(o, NULL);
	out_u64(o, "count", "%" PRIu64, t->confirmed);
	out_u64(o, "max", NULL, t->cfg.max_entries);
	out_nl(o);
	out_obj_close(o);
	return CMD_OK;
}

static int cmd_ct_stats(struct ct_table *t, struct out *o)
{
	const struct ct_stats *s = &t->st;

	out_obj_open(o, NULL);
	out_text(o, "cpu=0   \t");
	out_u64(o, "found", "found=%" PRIu64, s->found);
	out_u64(o, "invalid", " invalid=%" PRIu64, s->invalid);
	out_u64(o, "insert", " insert=%" PRIu64, s->insert);
	out_u64(o, "insert_failed", " insert_failed=%" PRIu64, s->insert_failed);
	out_u64(o, "drop", " drop=%" PRIu64, s->drop);
	out_u64(o, "early_drop", " early_drop=%" PRIu64, s->early_drop);
	out_u64(o, "error", " error=%" PRIu64, s->error);
	out_text(o, " search_restart=0");
	out_u64(o, "clash_resolve", " clash_resolve=%" PRIu64, s->clash_resolve);
	out_text(o, " chaintoolong=0");
	out_u64(o, "expired", NULL, s->expired);
	out_u64(o, "count", NULL, t->confirmed);
	out_u64(o, "max", NULL, t->cfg.max_entries);
	out_nl(o);
	out_obj_close(o);
	return CMD_OK;
}

/* ---- -E ---- */

struct cmd_ct_events;

struct cmd_ct_listener {
	struct cmd_ct_listener *next;
	struct cmd_ct_events *ev;
	struct control_client *cl;
	struct cmd_ct_filter f;
	bool json;
	uint64_t lost;
};

struct cmd_ct_events {
	struct ct_table *t;
	struct cmd_ct_listener *list;
	unsigned int n;
};

static void cmd_ct_send(struct cmd_ct_listener *l, const struct out *ev)
{
	char note[64];
	int n;

	if (!ev->buf || ev->oom)
		return;
	if (l->lost) {
		n = snprintf(note, sizeof(note), l->json ? "{\"lost\":%" PRIu64 "}\n" :
			     "lost %" PRIu64 " events\n", l->lost);
		if (control_client_send_event(l->cl, note, (size_t)n) < 0) {
			l->lost++;
			return;
		}
		l->lost = 0;
	}
	if (control_client_send_event(l->cl, ev->buf, ev->len) < 0)
		l->lost++;
}

static void cmd_ct_event(void *arg, struct ct_table *t, enum ct_event what,
			 const struct ct_entry *en)
{
	struct cmd_ct_events *evs = arg;
	struct cmd_ct_listener *l;
	struct out text, json;

	out_init(&text, false);
	out_init(&json, true);
	for (l = evs->list; l; l = l->next) {
		struct out *o = l->json ? &json : &text;

		if (!(l->f.events & what) || !cmd_ct_filter_match(&l->f, en))
			continue;
		if (!o->len)
			ct_print_entry(o, t, en, what);
		cmd_ct_send(l, o);
	}
	out_free(&text);
	out_free(&json);
}

static void cmd_ct_gone(struct control_client *cl, void *arg)
{
	struct cmd_ct_listener *l = arg, **pp;
	struct cmd_ct_events *evs = l->ev;

	for (pp = &evs->list; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	free(l);
	if (--evs->n)
		return;
	/* The last listener left: the packet path stops reporting. */
	evs->t->event = NULL;
	evs->t->event_arg = NULL;
	free(evs);
}

static int cmd_ct_listen(struct daemon *d, struct ct_table *t, const struct cmd_ct_filter *f,
			 struct out *o, struct out *e)
{
	struct control_client *cl = d->ctl ? control_current(d->ctl) : NULL;
	struct cmd_ct_events *evs = t->event == cmd_ct_event ? t->event_arg : NULL;
	struct cmd_ct_listener *l;

	if (!cl)
		return cmd_ct_fail(e, CMD_ERROR, "-E: not on a control connection");
	if (!evs) {
		evs = calloc(1, sizeof(*evs));
		if (!evs)
			return cmd_ct_fail(e, CMD_ERROR, "-E: out of memory");
		evs->t = t;
	}
	l = calloc(1, sizeof(*l));
	if (!l || control_client_stream(cl, cmd_ct_gone, l) < 0) {
		free(l);
		if (!evs->n)
			free(evs);
		return cmd_ct_fail(e, CMD_ERROR, "-E: cannot stream on this connection");
	}
	l->ev = evs;
	l->cl = cl;
	l->f = *f;
	l->json = o->json;
	l->next = evs->list;
	evs->list = l;
	evs->n++;
	t->event = cmd_ct_event;
	t->event_arg = evs;
	return 0;
}

/* ---- dispatch ---- */

static const struct {
	const char *lng, *shrt;
	enum cmd_ct_cmd cmd;
} cmd_ct_cmds[] = {
	{ "--dump", "-L", CT_CMD_LIST },   { "--delete", "-D", CT_CMD_DELETE },
	{ "--flush", "-F", CT_CMD_FLUSH }, { "--count", "-C", CT_CMD_COUNT },
	{ "--stats", "-S", CT_CMD_STATS }, { "--event", "-E", CT_CMD_EVENT },
};

int cmd_conntrack_run(struct daemon *d, int argc, const char *const *argv, struct out *o,
		      struct out *e)
{
	struct ct_table *t = ct_router_table(&d->router);
	struct cmd_ct_filter f;
	unsigned int i;
	int rc;

	if (argc < 1)
		return cmd_ct_fail(e, CMD_BAD_PARAM, "missing command (-L, -D, -F, -C, -S or -E)");
	for (i = 0; i < sizeof(cmd_ct_cmds) / sizeof(cmd_ct_cmds[0]); i++)
		if (!strcmp(argv[0], cmd_ct_cmds[i].lng) || !strcmp(argv[0], cmd_ct_cmds[i].shrt))
			break;
	if (i == sizeof(cmd_ct_cmds) / sizeof(cmd_ct_cmds[0]))
		return cmd_ct_fail(e, CMD_BAD_PARAM, "unknown command \"%s\" (-L, -D, -F, -C, -S "
				   "or -E)", argv[0]);
	rc = cmd_ct_parse(argc - 1, argv + 1, &f, cmd_ct_cmds[i].cmd == CT_CMD_EVENT, e);
	if (rc)
		return rc;
	if (f.flags && cmd_ct_cmds[i].cmd != CT_CMD_LIST && cmd_ct_cmds[i].cmd != CT_CMD_DELETE &&
	    cmd_ct_cmds[i].cmd != CT_CMD_EVENT)
		return cmd_ct_fail(e, CMD_BAD_PARAM, "%s takes no filter", argv[0]);
	if (!t)
		return cmd_ct_fail(e, CMD_ERROR, "connection tracking is off "
				   "([conntrack] enable = no)");
	t->now = d->router.now_ms;
	switch (cmd_ct_cmds[i].cmd) {
	case CT_CMD_LIST:
		return cmd_ct_list(t, &f, false, o, e);
	case CT_CMD_DELETE:
		return cmd_ct_list(t, &f, true, o, e);
	case CT_CMD_FLUSH:
		out_obj_open(o, NULL);
		out_u64(o, "flushed", NULL, ct_table_flush(t));
		out_obj_close(o);
		out_text(e, "tunfilter: connection tracking table has been emptied.\n");
		return CMD_OK;
	case CT_CMD_COUNT:
		return cmd_ct_count(t, o);
	case CT_CMD_STATS:
		return cmd_ct_stats(t, o);
	default:
		return cmd_ct_listen(d, t, &f, o, e);
	}
}
