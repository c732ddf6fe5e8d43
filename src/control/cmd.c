// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The admin commands, dispatched from the CMD_LIST table (cmd.h). Every
 * listing is written once with out_* calls, which print text or JSON as the
 * request asks; see tunfilter(8) for the formats. Messages for the user's
 * stderr go to e and start with "tunfilter: ", since that is the program
 * the user ran.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#ifdef HAVE_CONFIG_H
#include "autoconfig.h"
#endif
#include "control/cmd.h"
#include "control/cmd_conntrack.h"
#include "control/cmd_iptables.h"
#include "control/cmd_monitor.h"
#include "control/cmd_queue.h"
#include "control/cmd_restore.h"
#include "control/cmd_save.h"
#include "control/cmd_simulate.h"
#include "control/out.h"
#include "control/proto.h"
#include "core/route.h"
#include "daemon/daemon.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define CMD_MAX_WORDS 4

/* Everything a handler gets: argv[argi..argc) are its own arguments. */
struct cmd_ctx {
	struct daemon *d;
	const struct ctl_request *req;
	unsigned int argi;
	struct out *o, *e;
};

struct cmd {
	const char *words;
	const char *args;
	const char *help;
	int (*fn)(struct cmd_ctx *ctx);
};

#define CMD_DECLARE(fn, words, args, help) static int cmd_##fn(struct cmd_ctx *ctx);
CMD_LIST(CMD_DECLARE)
#undef CMD_DECLARE

static const struct cmd cmd_table[] = {
#define CMD_ENTRY(fn, words, args, help) { words, args, help, cmd_##fn },
	CMD_LIST(CMD_ENTRY)
#undef CMD_ENTRY
};

#define CMD_COUNT (sizeof(cmd_table) / sizeof(cmd_table[0]))

/* An IPv4 address in network order as text; buf holds INET_ADDRSTRLEN. */
static const char *cmd_ntop(uint32_t addr_be, char *buf)
{
	return inet_ntop(AF_INET, &addr_be, buf, INET_ADDRSTRLEN);
}

/* ---- show interfaces ----
 *
 * lan0: mtu 1500 state up
 *     inet 10.0.1.1/24
 *     RX:        packets              bytes    dropped
 *                    123              45678          0
 *     TX:        packets              bytes    dropped
 *                    456              78901          0
 */
static void cmd_iface_dir(struct out *o, const char *dir, uint64_t packets, uint64_t bytes,
			  uint64_t dropped)
{
	out_text(o, "    %s: %14s %18s %10s\n", dir, "packets", "bytes", "dropped");
	out_obj_open(o, !strcmp(dir, "RX") ? "rx" : "tx");
	out_text(o, "        ");
	out_u64(o, "packets", "%14" PRIu64, packets);
	out_u64(o, "bytes", " %18" PRIu64, bytes);
	out_u64(o, "dropped", " %10" PRIu64, dropped);
	out_nl(o);
	out_obj_close(o);
}

static int cmd_show_interfaces(struct cmd_ctx *ctx)
{
	const struct router *r = &ctx->d->router;
	struct out *o = ctx->o;
	char a[INET_ADDRSTRLEN];
	unsigned int i;

	out_arr_open(o, NULL);
	for (i = 0; i < r->n_ifaces && i < ROUTER_MAX_IFACES; i++) {
		const struct iface *ifc = &r->ifaces[i];

		if (!ifc->used)
			continue;
		out_obj_open(o, NULL);
		out_str(o, "ifname", "%s:", ifc->name);
		out_u64(o, "mtu", " mtu %" PRIu64, ifc->mtu);
		out_str(o, "state", " state %s", ifc->up ? "up" : "down");
		out_nl(o);
		if (ifc->addr) {
			out_str(o, "address", "    inet %s", cmd_ntop(ifc->addr, a));
			out_u64(o, "prefixlen", "/%" PRIu64, ifc->plen);
			out_nl(o);
		} else {
			out_str(o, "address", NULL, NULL);
		}
		out_obj_open(o, "stats");
		cmd_iface_dir(o, "RX", ifc->st.rx_packets, ifc->st.rx_bytes, ifc->st.rx_dropped);
		cmd_iface_dir(o, "TX", ifc->st.tx_packets, ifc->st.tx_bytes, ifc->st.tx_dropped);
		out_obj_close(o);
		out_obj_close(o);
	}
	out_arr_close(o);
	return CMD_OK;
}

/* ---- show routes ----
 *
 * PREFIX              KIND       DEV
 * 0.0.0.0/0           static     wan0
 * 10.0.1.0/24         connected  lan0
 */
struct cmd_route_walk {
	const struct router *r;
	struct out *o;
};

static int cmd_route_one(const struct route *rt, void *arg)
{
	struct cmd_route_walk *w = arg;
	const struct router *r = w->r;
	const char *dev = NULL;
	char a[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN + 4];

	snprintf(dst, sizeof(dst), "%s/%u", cmd_ntop(htonl(rt->prefix), a), rt->plen);
	if (rt->oif >= 0 && rt->oif < ROUTER_MAX_IFACES && r->ifaces[rt->oif].used)
		dev = r->ifaces[rt->oif].name;
	out_obj_open(w->o, NULL);
	out_str(w->o, "dst", "%-19s ", dst);
	out_str(w->o, "kind", "%-10s ", route_kind_name(rt->kind));
	out_str(w->o, "dev", "%s", dev);
	out_nl(w->o);
	out_obj_close(w->o);
	return 0;
}

static int cmd_show_routes(struct cmd_ctx *ctx)
{
	struct cmd_route_walk w = { &ctx->d->router, ctx->o };

	out_text(ctx->o, "%-19s %-10s %s\n", "PREFIX", "KIND", "DEV");
	out_arr_open(ctx->o, NULL);
	if (w.r->fib)
		route_walk(w.r->fib, cmd_route_one, &w);
	out_arr_close(ctx->o);
	return CMD_OK;
}

/* ---- show stats ----
 *
 * router:
 *   forwarded                     123
 * drops:
 *   bad_checksum                    2  IPv4 header checksum wrong
 * defrag:
 *   memory                          0  of 4194304 bytes
 *
 * Names are the JSON keys; counters are right-aligned in one column.
 */
static void cmd_stat(struct out *o, const char *name, uint64_t v)
{
	out_text(o, "  %-20s", name);
	out_u64(o, name, " %12" PRIu64, v);
}

static void cmd_stats_router(struct out *o, const struct router *r)
{
	out_text(o, "router:\n");
	out_obj_open(o, "router");
	cmd_stat(o, "forwarded", r->forwarded);
	out_nl(o);
	cmd_stat(o, "local_in", r->local_in);
	out_nl(o);
	cmd_stat(o, "local_out", r->local_out);
	out_nl(o);
	out_obj_close(o);
}

static void cmd_stats_drops(struct out *o, const struct router *r)
{
	unsigned int i;

	out_text(o, "drops:\n");
	out_obj_open(o, "drops");
	for (i = 0; i < DROP_MAX; i++) {
		cmd_stat(o, drop_name(i), r->drops.count[i]);
		out_text(o, "  %s\n", drop_desc(i));
	}
	out_obj_close(o);
}

static void cmd_stats_defrag(struct out *o, const struct router *r)
{
	const struct defrag_config *dc = &r->cfg.defrag_cfg;

	out_text(o, "defrag:\n");
	out_obj_open(o, "defrag");
	out_text(o, "  %-20s", "forward");
	out_bool(o, "forward", " %12s", r->cfg.defrag);
	out_text(o, "  reassemble forwarded fragments\n");
	cmd_stat(o, "memory", r->defrag ? defrag_memory(r->defrag) : 0);
	out_u64(o, "max_memory", "  of %" PRIu64 " bytes", dc->max_memory);
	out_nl(o);
	cmd_stat(o, "queues", r->defrag ? defrag_queues(r->defrag) : 0);
	out_u64(o, "max_queues", "  of %" PRIu64, dc->max_queues);
	out_nl(o);
	out_obj_close(o);
}

static void cmd_stats_buffers(struct out *o, const struct router *r)
{
	out_text(o, "buffers:\n");
	out_obj_open(o, "buffers");
	cmd_stat(o, "free", r->pool.avail);
	out_nl(o);
	cmd_stat(o, "total", r->pool.count);
	out_nl(o);
	out_obj_close(o);
}

static void cmd_stats_reloads(struct out *o, const struct daemon *d)
{
	out_text(o, "reloads:\n");
	out_obj_open(o, "reloads");
	cmd_stat(o, "count", d->reloads);
	out_nl(o);
	cmd_stat(o, "failures", d->reload_failures);
	out_nl(o);
	if (d->last_reload_error[0]) {
		out_text(o, "  %-20s ", "last_error");
		out_str(o, "last_error", "%s", d->last_reload_error);
		out_nl(o);
	} else {
		out_str(o, "last_error", NULL, NULL);
	}
	out_obj_close(o);
}

static int cmd_show_stats(struct cmd_ctx *ctx)
{
	const struct router *r = &ctx->d->router;
	struct out *o = ctx->o;

	out_obj_open(o, NULL);
	cmd_stats_router(o, r);
	cmd_stats_drops(o, r);
	cmd_stats_defrag(o, r);
	cmd_stats_buffers(o, r);
	cmd_stats_reloads(o, ctx->d);
	out_obj_close(o);
	return CMD_OK;
}

/* ---- the iptables command line, save, restore, monitor, simulate ----
 *
 * Each lives in its own file (cmd_iptables.c, cmd_save.c...) and works on
 * the router's ruleset; these wrappers hand them their words.
 */
static int cmd_argc(const struct cmd_ctx *ctx)
{
	return (int)(ctx->req->argc - ctx->argi);
}

static const char *const *cmd_argv(const struct cmd_ctx *ctx)
{
	return ctx->req->argv + ctx->argi;
}

static int cmd_iptables(struct cmd_ctx *ctx)
{
	return cmd_iptables_run(&ctx->d->router, cmd_argc(ctx), cmd_argv(ctx), ctx->o, ctx->e);
}

static int cmd_save(struct cmd_ctx *ctx)
{
	return cmd_save_run(&ctx->d->router, cmd_argc(ctx), cmd_argv(ctx), ctx->o, ctx->e);
}

static int cmd_restore(struct cmd_ctx *ctx)
{
	return cmd_restore_run(&ctx->d->router, cmd_argc(ctx), cmd_argv(ctx), ctx->req->input,
			       ctx->req->input_len, ctx->o, ctx->e);
}

static int cmd_monitor_trace(struct cmd_ctx *ctx)
{
	return cmd_monitor_run(ctx->d, ctx->o, ctx->e);
}

static int cmd_simulate(struct cmd_ctx *ctx)
{
	return cmd_simulate_run(&ctx->d->router, cmd_argc(ctx), cmd_argv(ctx), ctx->o, ctx->e);
}

static int cmd_queue(struct cmd_ctx *ctx)
{
	return cmd_queue_run(ctx->d->queue, ctx->o, ctx->e);
}

static int cmd_conntrack(struct cmd_ctx *ctx)
{
	return cmd_conntrack_run(ctx->d, cmd_argc(ctx), cmd_argv(ctx), ctx->o, ctx->e);
}

/* ---- reload, version, help ---- */

static int cmd_reload(struct cmd_ctx *ctx)
{
	char err[CONFIG_ERR_MAX] = "";
	int ret;

	ret = daemon_reload(ctx->d, err, sizeof(err));
	if (ret) {
		out_text(ctx->e, "tunfilter: reload failed: %s\n", err[0] ? err : strerror(-ret));
		return CMD_ERROR;
	}
	return CMD_OK;
}

static int cmd_version(struct cmd_ctx *ctx)
{
	out_obj_open(ctx->o, NULL);
	out_str(ctx->o, "version", "tunfilterd %s", PACKAGE_VERSION);
	out_u64(ctx->o, "protocol", ", control protocol %" PRIu64, CTL_VERSION);
	out_nl(ctx->o);
	out_obj_close(ctx->o);
	return CMD_OK;
}

static void cmd_usage(struct out *o)
{
	unsigned int i;

	out_text(o, "Commands:\n");
	out_arr_open(o, NULL);
	for (i = 0; i < CMD_COUNT; i++) {
		char words[96];

		snprintf(words, sizeof(words), "%s%s%s", cmd_table[i].words,
			 cmd_table[i].args[0] ? " " : "", cmd_table[i].args);
		out_obj_open(o, NULL);
		out_str(o, "command", "  %-20s", words);
		if (strlen(words) > 20)
			out_text(o, "\n  %-20s", ""); /* a long command: help below it */
		out_str(o, "description", " %s", cmd_table[i].help);
		out_nl(o);
		out_obj_close(o);
	}
	out_arr_close(o);
}

static int cmd_help(struct cmd_ctx *ctx)
{
	cmd_usage(ctx->o);
	return CMD_OK;
}

/* ---- dispatch ---- */

/* How many leading words of c match argv (all of them on a full match). */
static unsigned int cmd_match(const struct cmd *c, const struct ctl_request *req, bool *full)
{
	const char *w = c->words;
	unsigned int n = 0;

	*full = false;
	while (*w) {
		size_t len = strcspn(w, " ");

		if (n >= req->argc || strlen(req->argv[n]) != len || strncmp(req->argv[n], w, len))
			return n;
		n++;
		w += len;
		w += strspn(w, " ");
	}
	*full = true;
	return n;
}

/* "show" given alone or with an unknown object: list what may follow it. */
static int cmd_bad_object(const struct ctl_request *req, struct out *e)
{
	unsigned int i, listed = 0;

	if (req->argc > 1)
		out_text(e, "tunfilter: %s: unknown object \"%s\"", req->argv[0], req->argv[1]);
	else
		out_text(e, "tunfilter: %s: missing object", req->argv[0]);
	out_text(e, " (expected ");
	for (i = 0; i < CMD_COUNT; i++) {
		const char *w = cmd_table[i].words;
		size_t first = strcspn(w, " ");

		if (!w[first] || strncmp(w, req->argv[0], first) || req->argv[0][first])
			continue;
		out_text(e, "%s%.*s", listed++ ? ", " : "", (int)strcspn(w + first + 1, " "),
			 w + first + 1);
	}
	out_text(e, ")\n");
	return CMD_BAD_PARAM;
}

int cmd_dispatch(struct daemon *d, const struct ctl_request *req, struct out *o, struct out *e)
{
	struct cmd_ctx ctx = { d, req, 0, o, e };
	unsigned int i, best = 0;
	bool full;

	if (req->argc == 0) {
		out_text(e, "tunfilter: no command given\n");
		cmd_usage(e);
		return CMD_BAD_PARAM;
	}
	/* "-A INPUT ...", "-t nat -L", "--list": the iptables command line. */
	if (cmd_iptables_is_cmdline(req->argv[0]))
		return cmd_iptables(&ctx);
	for (i = 0; i < CMD_COUNT; i++) {
		unsigned int n = cmd_match(&cmd_table[i], req, &full);

		if (!full) {
			if (n > best)
				best = n;
			continue;
		}
		if (!cmd_table[i].args[0] && req->argc > n) {
			out_text(e, "tunfilter: %s: unexpected argument \"%s\"\n",
				 cmd_table[i].words, req->argv[n]);
			return CMD_BAD_PARAM;
		}
		ctx.argi = n;
		return cmd_table[i].fn(&ctx);
	}
	if (best > 0)
		return cmd_bad_object(req, e);
	out_text(e, "tunfilter: unknown command \"%s\" (try \"tunfilter help\")\n", req->argv[0]);
	return CMD_BAD_PARAM;
}
