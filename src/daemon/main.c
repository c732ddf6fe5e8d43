// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilterd: start-up ladder, signals, reload, shutdown.
 *
 *   config -> event base -> router (tables, conntrack) -> TUNs -> netlink (links) ->
 *   [local] TUN -> FIB ->
 *   readers -> control socket -> queue socket -> signals/timer -> READY
 *
 * Each rung has its undo in daemon_teardown(), which runs the rungs that
 * were reached in reverse, so a failure anywhere unwinds cleanly and a
 * normal exit is the same path.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "autoconfig.h"
#include "conntrack/ct.h"
#include "control/server.h"
#include "core/ipv4.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "io/netlink.h"
#include "io/tun.h"
#include "nat/nat.h"
#include "queue/server.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/tables.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/tunfilter/tunfilter.conf"

static void daemon_clock(struct router *r)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	router_set_clock(r, (uint64_t)mono.tv_sec * 1000u + (uint64_t)mono.tv_nsec / 1000000u,
			 (uint32_t)((real.tv_sec % 86400) * 1000 + real.tv_nsec / 1000000));
}

/* Build the FIB for cfg over the router's current interfaces. */
static int daemon_build_fib(struct daemon *d, const struct config *cfg, struct route_table **out)
{
	struct route_table *t = route_table_new();
	unsigned int i;
	int err = 0;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < cfg->n_routes && !err; i++) {
		const struct config_route *cr = &cfg->routes[i];
		const struct iface *ifc = router_iface_by_name(&d->router, cr->ifname);

		if (!ifc) {
			err = -ENODEV;
			break;
		}
		err = route_add(t, ntohl(cr->dst.addr), cr->dst.plen, ROUTE_STATIC, ifc->idx);
	}
	if (!err)
		err = router_fib_add_connected(&d->router, t);
	if (err) {
		route_table_free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* Rung: one TUN with its kernel side configured and its reader attached. */
static int daemon_iface_up(struct daemon *d, const struct config_iface *ci, char *err,
			   size_t errlen)
{
	int fd, idx, rc;

	fd = tun_open(ci->name);
	if (fd < 0) {
		snprintf(err, errlen, "interface \"%s\": cannot create TUN: %s", ci->name,
			 strerror(-fd));
		return fd;
	}
	idx = router_iface_add(&d->router, ci->name, ci->address.addr, ci->address.plen, ci->mtu,
			       fd);
	if (idx < 0) {
		snprintf(err, errlen, "interface \"%s\": %s", ci->name, strerror(-idx));
		close(fd);
		return idx;
	}
	rc = netlink_link_setup(d->nl, ci, idx, err, errlen);
	if (rc == 0) {
		rc = tun_attach(d->base, &d->router, &d->router.ifaces[idx], d->cfg.batch);
		if (rc < 0)
			snprintf(err, errlen, "interface \"%s\": cannot watch TUN: %s", ci->name,
				 strerror(-rc));
	}
	if (rc < 0) {
		netlink_link_forget(d->nl, idx);
		tun_detach(&d->router.ifaces[idx]);
		router_iface_remove(&d->router, idx);
	}
	return rc;
}

static void daemon_iface_down(struct daemon *d, int idx)
{
	netlink_link_forget(d->nl, idx);
	tun_detach(&d->router.ifaces[idx]);
	router_iface_remove(&d->router, idx);
}

/*
 * Rung: the [local] TUN. Its kernel side, in our namespace, holds every
 * router address with its prefix (so programs on the gateway can bind them,
 * and the kernel routes the links' prefixes into it) and a default route
 * into it: the daemon decides where the gateway's own packets go. It is a
 * router interface without an address, so it adds nothing to the FIB; its
 * undo is daemon_iface_down with the others.
 */
static int daemon_local_up(struct daemon *d, char *err, size_t errlen)
{
	const struct config_local *cl = &d->cfg.local;
	/* peer_routes[0] is 0.0.0.0/0: the default route. */
	struct config_iface ci = { .mtu = cl->mtu, .n_peer_routes = 1 };
	unsigned int i;
	int fd, idx, rc;

	if (!cl->enabled)
		return 0;
	snprintf(ci.name, sizeof(ci.name), "%s", cl->name);
	fd = tun_open(cl->name);
	if (fd < 0) {
		snprintf(err, errlen, "[local] \"%s\": cannot create TUN: %s", cl->name,
			 strerror(-fd));
		return fd;
	}
	idx = router_iface_add(&d->router, cl->name, 0, 0, cl->mtu, fd);
	if (idx < 0) {
		snprintf(err, errlen, "[local] \"%s\": %s", cl->name, strerror(-idx));
		close(fd);
		return idx;
	}
	rc = netlink_link_setup(d->nl, &ci, idx, err, errlen);
	for (i = 0; i < d->cfg.n_ifaces && rc == 0; i++)
		rc = netlink_link_addr(d->nl, idx, &d->cfg.ifaces[i].address, err, errlen);
	if (rc == 0) {
		rc = tun_attach(d->base, &d->router, &d->router.ifaces[idx], d->cfg.batch);
		if (rc < 0)
			snprintf(err, errlen, "[local] \"%s\": cannot watch TUN: %s", cl->name,
				 strerror(-rc));
	}
	if (rc < 0) {
		daemon_iface_down(d, idx);
		return rc;
	}
	router_host_set(&d->router, idx);
	return 0;
}

static bool daemon_addr_in(const struct config_prefix *p, const struct config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].address.addr == p->addr && cfg->ifaces[i].address.plen == p->plen)
			return true;
	return false;
}

/*
 * Reload: the [local] TUN's kernel side holds every router address (so
 * that the gateway's programs own them); follow the interfaces' changes,
 * the old addresses out first, then the new ones in.
 */
static int daemon_local_sync(struct daemon *d, const struct config *next, char *err,
			     size_t errlen)
{
	int idx = d->router.host_if;
	unsigned int i;
	int rc = 0;

	if (idx < 0)
		return 0;
	for (i = 0; i < d->cfg.n_ifaces && rc == 0; i++)
		if (!daemon_addr_in(&d->cfg.ifaces[i].address, next))
			rc = netlink_link_addr_del(d->nl, idx, &d->cfg.ifaces[i].address, err,
						   errlen);
	for (i = 0; i < next->n_ifaces && rc == 0; i++)
		if (!daemon_addr_in(&next->ifaces[i].address, &d->cfg))
			rc = netlink_link_addr(d->nl, idx, &next->ifaces[i].address, err, errlen);
	return rc;
}

/* The parts of an interface that need the link to be made again. */
static bool daemon_iface_recreate(const struct config_iface *a, const struct config_iface *b)
{
	return strcmp(a->netns, b->netns) != 0;
}

/*
 * Parse and compile the rules file of cfg into a new ruleset sharing ctr,
 * without committing it: the first step of a reload, so that a bad rules
 * file stops the reload before anything else changes. *out is NULL when cfg names no rules file.
 */
static int daemon_rules_prepare(const struct config *cfg, struct counters *ctr,
				struct ruleset **out, char *err, size_t errlen)
{
	struct ruleset *rs;
	int rc;

	*out = NULL;
	if (!cfg->rules[0])
		return 0;
	rs = ruleset_new(ctr);
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = restore_file(rs, cfg->rules, 0, err, errlen);
	if (!rc)
		rc = ruleset_compile(rs, err, errlen);
	if (rc) {
		ruleset_free(rs);
		return rc;
	}
	*out = rs;
	return 0;
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct config next;
	struct route_table *fib = NULL;
	struct ruleset *rules = NULL;
	unsigned int i;
	int rc;

	notify_send("RELOADING=1");
	log_notice("reloading %s", d->cfg.path);
	rc = config_load(&next, d->cfg.path, err, errlen);
	if (rc < 0)
		goto fail;
	rc = daemon_rules_prepare(&next, ruleset_counters(d->router.ruleset), &rules, err, errlen);
	if (rc < 0) {
		config_free(&next);
		goto fail;
	}
	if (strcmp(next.control_socket, d->cfg.control_socket) != 0 ||
	    strcmp(next.control_group, d->cfg.control_group) != 0)
		log_warn("control socket settings change only on restart");
	if (next.queue.enabled != d->cfg.queue.enabled ||
	    strcmp(next.queue.path, d->cfg.queue.path) != 0 || next.queue.mode != d->cfg.queue.mode ||
	    strcmp(next.queue.group, d->cfg.queue.group) != 0)
		log_warn("queue socket settings change only on restart");
	if (next.local.enabled != d->cfg.local.enabled ||
	    strcmp(next.local.name, d->cfg.local.name) != 0 || next.local.mtu != d->cfg.local.mtu)
		log_warn("[local] settings change only on restart");
	next.router.pool_size = d->cfg.router.pool_size; /* fixed for the process */

	/* Interfaces that went away, or whose link must be made again. */
	for (i = 0; i < d->cfg.n_ifaces; i++) {
		const struct config_iface *old = &d->cfg.ifaces[i];
		const struct config_iface *now = config_iface_find(&next, old->name);
		struct iface *ifc = router_iface_by_name(&d->router, old->name);

		if (ifc && (!now || daemon_iface_recreate(old, now)))
			daemon_iface_down(d, ifc->idx);
	}
	/* Changed and new interfaces. */
	for (i = 0; i < next.n_ifaces; i++) {
		const struct config_iface *ci = &next.ifaces[i];
		const struct config_iface *old = config_iface_find(&d->cfg, ci->name);
		struct iface *ifc = router_iface_by_name(&d->router, ci->name);

		if (!ifc) {
			rc = daemon_iface_up(d, ci, err, errlen);
			if (rc < 0)
				goto fail_applied;
			continue;
		}
		/* Connections masqueraded to the old address cannot go on. */
		if (ifc->addr != ci->address.addr)
			nat_masq_forget(&d->router, ifc->idx);
		ifc->addr = ci->address.addr;
		ifc->plen = ci->address.plen;
		ifc->mtu = ci->mtu;
		if (old) {
			rc = netlink_link_update(d->nl, old, ci, err, errlen);
			if (rc < 0)
				goto fail_applied;
		}
	}
	rc = daemon_local_sync(d, &next, err, errlen);
	if (rc < 0)
		goto fail_applied;
	rc = daemon_build_fib(d, &next, &fib);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot build routes: %s", next.path, strerror(-rc));
		goto fail_applied;
	}
	rc = router_configure(&d->router, &next.router);
	if (rc < 0) {
		route_table_free(fib);
		snprintf(err, errlen, "cannot apply settings: %s", strerror(-rc));
		goto fail_applied;
	}
	rc = ct_configure(&d->router, &next.conntrack);
	if (rc < 0) {
		route_table_free(fib);
		snprintf(err, errlen, "cannot apply the conntrack settings: %s", strerror(-rc));
		goto fail_applied;
	}
	rc = queue_server_configure(d->queue, &next.queue);
	if (rc < 0) {
		route_table_free(fib);
		snprintf(err, errlen, "cannot apply the queue settings: %s", strerror(-rc));
		goto fail_applied;
	}
	router_fib_replace(&d->router, fib);
	/* No rules file now: the empty ruleset, as at start. */
	if (!rules)
		rc = tables_load(&d->router, NULL, err, errlen);
	else
		rc = ruleset_commit(&d->router, rules, err, errlen);
	if (rc < 0)
		goto fail_applied;
	rules = NULL;
	log_set_level(next.log_level);
	config_free(&d->cfg);
	d->cfg = next;
	d->reloads++;
	log_notice("reloaded %s", d->cfg.path);
	notify_send("READY=1");
	return 0;

fail_applied:
	/* Validation passed but the kernel refused a change: what was applied
	 * stays (the links are real), and the FIB follows the links we have. */
	if (daemon_build_fib(d, &d->cfg, &fib) == 0)
		router_fib_replace(&d->router, fib);
	if (rules)
		ruleset_free(rules);
	config_free(&next);
fail:
	d->reload_failures++;
	snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", err);
	log_err("reload failed, keeping the running configuration: %s", err);
	notify_send("READY=1");
	return rc;
}

void daemon_stop(struct daemon *d)
{
	event_base_loopbreak(d->base);
}

static void daemon_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	char err[CONFIG_ERR_MAX];

	if (sig == SIGHUP) {
		daemon_reload(d, err, sizeof(err));
		return;
	}
	log_notice("%s received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	daemon_stop(d);
}

static void daemon_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	daemon_clock(&d->router);
	router_tick(&d->router);
	router_flush(&d->router);
}

static void daemon_teardown(struct daemon *d)
{
	unsigned int i;

	if (d->tick)
		event_free(d->tick);
	if (d->sig_hup)
		event_free(d->sig_hup);
	if (d->sig_int)
		event_free(d->sig_int);
	if (d->sig_term)
		event_free(d->sig_term);
	queue_server_close(d->queue);
	if (d->ctl)
		control_close(d->ctl);
	for (i = 0; i < d->router.n_ifaces; i++)
		if (d->router.ifaces[i].used)
			daemon_iface_down(d, (int)i);
	if (d->nl)
		netlink_close(d->nl);
	if (d->router_ready) {
		ct_fini(&d->router);
		tables_fini(&d->router);
		router_fini(&d->router);
	}
	if (d->base)
		event_base_free(d->base);
	config_free(&d->cfg);
}

static int daemon_signal(struct daemon *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->base, sig, daemon_on_signal, d);
	if (!*ev || evsignal_add(*ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static int daemon_start(struct daemon *d, char *err, size_t errlen)
{
	const struct timeval second = { 1, 0 };
	struct route_table *fib;
	unsigned int i;
	int rc;

	d->base = event_base_new();
	if (!d->base) {
		snprintf(err, errlen, "cannot create the event loop");
		return -ENOMEM;
	}
	rc = router_init(&d->router, &d->cfg.router, &tun_router_ops, d);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the packet path (%u buffers): %s",
			 d->cfg.router.pool_size, strerror(-rc));
		return rc; /* router_init unwound itself */
	}
	d->router_ready = true;
	rc = tables_init(&d->router);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the tables: %s", strerror(-rc));
		return rc;
	}
	rc = ct_init(&d->router, &d->cfg.conntrack);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up connection tracking: %s", strerror(-rc));
		return rc;
	}
	daemon_clock(&d->router);
	rc = netlink_open(&d->nl, d->base, &d->router, err, errlen);
	if (rc < 0)
		return rc;
	for (i = 0; i < d->cfg.n_ifaces; i++) {
		rc = daemon_iface_up(d, &d->cfg.ifaces[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = daemon_local_up(d, err, errlen);
	if (rc < 0)
		return rc;
	rc = daemon_build_fib(d, &d->cfg, &fib);
	if (rc < 0) {
		snprintf(err, errlen, "cannot build routes: %s", strerror(-rc));
		return rc;
	}
	router_fib_replace(&d->router, fib);
	rc = tables_load(&d->router, d->cfg.rules, err, errlen);
	if (rc < 0)
		return rc;
	rc = control_open(&d->ctl, d, err, errlen);
	if (rc < 0)
		return rc;
	rc = queue_server_open(&d->queue, d->base, &d->router, &d->cfg.queue, err, errlen);
	if (rc < 0)
		return rc;
	if (daemon_signal(d, &d->sig_term, SIGTERM) < 0 || daemon_signal(d, &d->sig_int, SIGINT) < 0 ||
	    daemon_signal(d, &d->sig_hup, SIGHUP) < 0) {
		snprintf(err, errlen, "cannot watch signals");
		return -ENOMEM;
	}
	d->tick = event_new(d->base, -1, EV_PERSIST, daemon_on_tick, d);
	if (!d->tick || event_add(d->tick, &second) < 0) {
		snprintf(err, errlen, "cannot start the housekeeping timer");
		return -ENOMEM;
	}
	return 0;
}

/*
 * Without -f: fork, and let the parent wait on a pipe until the child is
 * ready or has failed, so that the exit status and the error message of a
 * failed start reach whoever started us.
 */
static int daemon_detach(int *report_fd)
{
	int pfd[2];
	char buf[CONFIG_ERR_MAX];
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pfd[1]);
		n = read(pfd[0], buf, sizeof(buf) - 1);
		if (n <= 0)
			_exit(1);
		buf[n] = '\0';
		if (strcmp(buf, "OK") == 0)
			_exit(0);
		fprintf(stderr, "tunfilterd: %s\n", buf);
		_exit(1);
	}
	close(pfd[0]);
	setsid();
	if (chdir("/") < 0)
		return -errno;
	*report_fd = pfd[1];
	return 0;
}

static void daemon_report(int fd, const char *msg)
{
	if (fd < 0)
		return;
	if (write(fd, msg, strlen(msg)) < 0) {
		/* The parent is gone; nobody to tell. */
	}
	close(fd);
}

/* --check-config: the configuration was good; now the rules file. */
static int daemon_check(struct config *cfg, const char *path)
{
	char err[RULESET_ERR_MAX];
	int rc = cfg->rules[0] ? tables_check(cfg->rules, err, sizeof(err)) : 0;

	config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: configuration OK\n", path);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tunfilterd [-c FILE] [-f] [--check-config]\n"
		   "  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
		   "  -f, --foreground    stay in the foreground, log to stderr\n"
		   "  -t, --check-config  validate the configuration and exit\n"
		   "  -h, --help          this text\n"
		   "  -V, --version       print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct daemon d;
	const char *path = DEFAULT_CONFIG;
	char err[CONFIG_ERR_MAX] = "";
	static char abspath[PATH_MAX];
	bool check = false;
	int c, rc, report_fd = -1;

	while ((c = getopt_long(argc, argv, "c:fthV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tunfilterd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tunfilterd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Reload re-reads the file after we chdir("/") when detaching. */
	if (!d.foreground && !check && path[0] != '/' && realpath(path, abspath))
		path = abspath;
	if (config_load(&d.cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check)
		return daemon_check(&d.cfg, path);
	log_set_level(d.cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	if (!d.foreground) {
		rc = daemon_detach(&report_fd);
		if (rc < 0) {
			fprintf(stderr, "tunfilterd: cannot detach: %s\n", strerror(-rc));
			return 1;
		}
		log_use_syslog("tunfilterd");
	}
	rc = daemon_start(&d, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		daemon_report(report_fd, err);
		daemon_teardown(&d);
		return 1;
	}
	log_notice("ready: %u interfaces, %zu routes", d.cfg.n_ifaces, route_count(d.router.fib));
	notify_send("READY=1");
	daemon_report(report_fd, "OK");
	if (!d.foreground) {
		/* stdin/stdout/stderr are the terminal's until here (errors above
		 * went to it through the pipe); detach them now. */
		if (freopen("/dev/null", "r", stdin) == NULL || freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			log_warn("cannot detach standard streams");
	}
	event_base_dispatch(d.base);
	notify_send("STOPPING=1");
	log_notice("stopping");
	daemon_teardown(&d);
	return 0;
}
