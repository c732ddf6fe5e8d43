// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel-side link configuration and link state, through libnl-3.
 *
 * Namespaces. Every namespace that holds one of our links has one entry with
 * a request socket (blocking, each request acked) and, while it holds links,
 * a monitor socket subscribed to RTNLGRP_LINK (non-blocking, watched by a
 * libevent event). A netlink socket talks to the namespace it was created in
 * for its whole life, so a socket for another namespace is made by entering
 * it with setns(2), connecting, and coming straight back to the daemon's own
 * namespace (saved at netlink_open). Entry 0 is the daemon's namespace; its
 * request socket is also the one that moves links out.
 *
 * Link state. iface->up is IFF_UP && IFF_RUNNING of the kernel link. A TUN
 * is RUNNING only while its fd is attached, so a link set down by an admin
 * and a TUN whose fd went away both read as down. The state is read once
 * after setup (after subscribing, so no change falls in between) and then
 * follows RTM_NEWLINK/RTM_DELLINK. A wakeup drains the monitor socket and
 * applies only the latest state of each link: queued events are history,
 * and acting on each would flap iface->up and send requests about states
 * already gone. If the socket overflowed (ENOBUFS), events were lost, so
 * once it is drained every link of that namespace is read again.
 *
 * Peer routes. The kernel deletes every route through a link that is set
 * administratively down and never puts them back; its own prefix routes
 * return with the addresses, ours would not. So when IFF_UP comes back the
 * peer routes are added again.
 *
 * Errors. libnl folds the kernel's errno into its own NLE_* codes, losing
 * detail (ENETDOWN becomes "Unspecific failure"), so each request socket has
 * an error callback that records the kernel's errno; messages and return
 * values use that errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include "daemon/log.h"
#include "io/netlink.h"
#include "nat/nat.h"

#define NETLINK_MAX_NS ROUTER_MAX_IFACES

/* A request socket and the errno of the kernel's last error answer on it. */
struct netlink_sock {
	struct nl_sock *sk;
	int kerr;
};

struct netlink_ns {
	bool used;
	unsigned int refs;       /* links tracked in this namespace */
	char name[64];           /* "" = the daemon's namespace */
	int fd;                  /* /run/netns/NAME; -1 for the daemon's namespace */
	struct netlink_sock req;
	struct nl_sock *mon;     /* RTNLGRP_LINK, while refs > 0 */
	struct event *ev;
	bool overrun;            /* events were lost: read the state afresh */
	struct netlink *nl;
};

struct netlink_link {
	bool used;
	bool admin_up;           /* IFF_UP as last applied */
	bool pending;            /* events seen, not applied yet */
	bool pending_bounce;     /* IFF_UP was off in one of them */
	unsigned int pending_flags; /* flags of the latest (0: link gone) */
	int ifindex;             /* in ns */
	char name[IFNAMSIZ];
	struct netlink_ns *ns;
	struct config_prefix routes[CONFIG_MAX_PEER_ROUTES]; /* peer routes in force */
	unsigned int n_routes;
};

struct netlink {
	struct event_base *base;
	struct router *r;
	int self_ns;             /* the daemon's namespace, to come back to */
	struct netlink_ns ns[NETLINK_MAX_NS + 1];
	struct netlink_link links[ROUTER_MAX_IFACES];
};

/* Format `interface "NAME": STEP: strerror` into err; returns ret. */
static int __attribute__((format(printf, 5, 6)))
netlink_fail(char *err, size_t errlen, const char *ifname, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "interface \"%s\": ", ifname);
	if (n < 0 || (size_t)n >= errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(err);
	snprintf(err + n, errlen - (size_t)n, ": %s", strerror(-ret));
	return ret;
}

/* The errno closest to a libnl error that did not come from the kernel. */
static int netlink_nle_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM: return ENOMEM;
	case NLE_AGAIN: return EAGAIN;
	case NLE_INVAL: return EINVAL;
	case NLE_EXIST: return EEXIST;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NODEV: return ENODEV;
	case NLE_PERM: return EPERM;
	case NLE_NOACCESS: return EACCES;
	case NLE_BUSY: return EBUSY;
	case NLE_RANGE: return ERANGE;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_BAD_SOCK: return EBADF;
	default: return EIO;
	}
}

/* -errno of a failed call on s: the kernel's own errno when it sent one. */
static int netlink_sock_err(const struct netlink_sock *s, int nlerr)
{
	return -(s->kerr ? s->kerr : netlink_nle_errno(nlerr));
}

static int netlink_record_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	int *kerr = arg;

	*kerr = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

/* Connect s in the namespace the caller is in. */
static int netlink_sock_open(struct netlink_sock *s)
{
	int ret;

	s->kerr = 0;
	s->sk = nl_socket_alloc();
	if (!s->sk)
		return -ENOMEM;
	nl_socket_modify_err_cb(s->sk, NL_CB_CUSTOM, netlink_record_err, &s->kerr);
	ret = nl_connect(s->sk, NETLINK_ROUTE);
	if (ret < 0) {
		nl_socket_free(s->sk);
		s->sk = NULL;
		return -netlink_nle_errno(ret);
	}
	return 0;
}

static void netlink_sock_close(struct netlink_sock *s)
{
	if (s->sk)
		nl_socket_free(s->sk);
	s->sk = NULL;
}

/* The request socket of ns, ready for one request. */
static struct nl_sock *netlink_req(struct netlink_ns *ns)
{
	ns->req.kerr = 0;
	return ns->req.sk;
}

static int netlink_enter(struct netlink_ns *ns)
{
	if (ns->fd >= 0 && setns(ns->fd, CLONE_NEWNET) < 0)
		return -errno;
	return 0;
}

static int netlink_leave(struct netlink *nl, struct netlink_ns *ns)
{
	if (ns->fd >= 0 && setns(nl->self_ns, CLONE_NEWNET) < 0) {
		int ret = -errno;

		log_err("cannot return to the daemon's network namespace: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* Read flags of ifindex (or of name if ifindex is 0) in ns. */
static int netlink_link_get(struct netlink_ns *ns, int ifindex, const char *name, int *out_ifindex,
			    unsigned int *flags)
{
	struct rtnl_link *link = NULL;
	int ret = rtnl_link_get_kernel(netlink_req(ns), ifindex, name, &link);

	if (ret < 0)
		return netlink_sock_err(&ns->req, ret);
	if (out_ifindex)
		*out_ifindex = rtnl_link_get_ifindex(link);
	if (flags)
		*flags = rtnl_link_get_flags(link);
	rtnl_link_put(link);
	return 0;
}

/* Apply chg to link ifindex in ns (chg is consumed). */
static int netlink_link_change(struct netlink_ns *ns, int ifindex, struct rtnl_link *chg)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int ret;

	if (!orig) {
		rtnl_link_put(chg);
		return -ENOMEM;
	}
	/* Only the index is needed: ifi_change limits flag changes to chg's mask. */
	rtnl_link_set_ifindex(orig, ifindex);
	ret = rtnl_link_change(netlink_req(ns), orig, chg, 0);
	if (ret < 0)
		ret = netlink_sock_err(&ns->req, ret);
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return ret < 0 ? ret : 0;
}

static int netlink_set_mtu(struct netlink_ns *ns, int ifindex, uint32_t mtu)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_mtu(chg, mtu);
	return netlink_link_change(ns, ifindex, chg);
}

static int netlink_set_up(struct netlink_ns *ns, int ifindex)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_flags(chg, IFF_UP);
	return netlink_link_change(ns, ifindex, chg);
}

static struct nl_addr *netlink_nl_addr(uint32_t addr, uint8_t plen)
{
	struct nl_addr *a = nl_addr_build(AF_INET, &addr, sizeof(addr));

	if (a)
		nl_addr_set_prefixlen(a, plen);
	return a;
}

/* Add or delete an address; adding one that exists and deleting one that
 * is gone succeed, so a reload can repeat itself. */
static int netlink_addr(struct netlink_ns *ns, int ifindex, const struct config_prefix *pfx,
			bool add)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = netlink_nl_addr(pfx->addr, pfx->plen);
	int ret = -ENOMEM;

	if (!a || !local)
		goto out;
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	ret = rtnl_addr_set_local(a, local);
	if (ret < 0) {
		ret = -netlink_nle_errno(ret);
		goto out;
	}
	if (add)
		ret = rtnl_addr_add(netlink_req(ns), a, 0);
	else
		ret = rtnl_addr_delete(netlink_req(ns), a, 0);
	if (ret < 0)
		ret = netlink_sock_err(&ns->req, ret);
	if ((add && ret == -EEXIST) || (!add && ret == -EADDRNOTAVAIL))
		ret = 0;
out:
	if (local)
		nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	return ret < 0 ? ret : 0;
}

/* Add or delete a route to pfx through the point-to-point link: scope link,
 * no gateway, main table. */
static int netlink_route(struct netlink_ns *ns, int ifindex, const struct config_prefix *pfx,
			 bool add)
{
	uint32_t mask = pfx->plen ? htonl(~0u << (32 - pfx->plen)) : 0;
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = netlink_nl_addr(pfx->addr & mask, pfx->plen);
	int ret = -ENOMEM;

	if (!rt || !nh || !dst)
		goto out;
	rtnl_route_set_family(rt, AF_INET);
	ret = rtnl_route_set_dst(rt, dst);
	if (ret < 0) {
		ret = -netlink_nle_errno(ret);
		goto out;
	}
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* owned by rt now */
	if (add)
		ret = rtnl_route_add(netlink_req(ns), rt, 0);
	else
		ret = rtnl_route_delete(netlink_req(ns), rt, 0);
	if (ret < 0)
		ret = netlink_sock_err(&ns->req, ret);
	if ((add && ret == -EEXIST) || (!add && ret == -ESRCH))
		ret = 0;
out:
	if (dst)
		nl_addr_put(dst);
	if (nh)
		rtnl_route_nh_free(nh);
	if (rt)
		rtnl_route_put(rt);
	return ret < 0 ? ret : 0;
}

static const char *netlink_pfx_str(const struct config_prefix *pfx, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &pfx->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, pfx->plen);
	return buf;
}

/* Link state -------------------------------------------------------------- */

static void netlink_state(struct netlink *nl, int idx, bool up)
{
	struct iface *ifc = &nl->r->ifaces[idx];

	if (ifc->up == up)
		return;
	ifc->up = up;
	log_info("interface \"%s\": link %s", nl->links[idx].name, up ? "up" : "down");
	/* As the kernel on NETDEV_DOWN: masqueraded connections through it
	 * are gone (they would be killed by their next packet anyway). */
	if (!up)
		nat_masq_forget(nl->r, idx);
}

static bool netlink_flags_up(unsigned int flags)
{
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

static void netlink_routes_restore(struct netlink_link *l)
{
	char buf[32];
	unsigned int i;
	int ret;

	for (i = 0; i < l->n_routes; i++) {
		ret = netlink_route(l->ns, l->ifindex, &l->routes[i], true);
		/* ENETDOWN: down again already; the next up restores them. */
		if (ret < 0 && ret != -ENETDOWN)
			log_warn("interface \"%s\": cannot restore peer route %s: %s", l->name,
				 netlink_pfx_str(&l->routes[i], buf, sizeof(buf)), strerror(-ret));
	}
}

/* Apply the current flags of link idx (0 when it is gone); bounced: IFF_UP
 * may have been off since the last call. */
static void netlink_apply(struct netlink *nl, int idx, unsigned int flags, bool bounced)
{
	struct netlink_link *l = &nl->links[idx];
	bool admin_up = flags & IFF_UP;

	if (admin_up && (!l->admin_up || bounced))
		netlink_routes_restore(l);
	l->admin_up = admin_up;
	netlink_state(nl, idx, netlink_flags_up(flags));
}

/* Read the state of every link in ns from the kernel. */
static void netlink_ns_resync(struct netlink_ns *ns)
{
	struct netlink *nl = ns->nl;
	unsigned int flags = 0;
	int i;

	for (i = 0; i < ROUTER_MAX_IFACES; i++) {
		struct netlink_link *l = &nl->links[i];

		if (!l->used || l->ns != ns)
			continue;
		if (netlink_link_get(ns, l->ifindex, NULL, NULL, &flags) < 0)
			flags = 0; /* gone */
		l->pending = false;
		l->pending_bounce = false;
		netlink_apply(nl, i, flags, true);
	}
}

static int netlink_mon_msg(struct nl_msg *msg, void *arg)
{
	struct netlink_ns *ns = arg;
	struct netlink *nl = ns->nl;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifinfomsg *ifi;
	int i;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (!nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(h);
	for (i = 0; i < ROUTER_MAX_IFACES; i++) {
		struct netlink_link *l = &nl->links[i];

		if (!l->used || l->ns != ns || l->ifindex != ifi->ifi_index)
			continue;
		l->pending = true;
		l->pending_flags = h->nlmsg_type == RTM_NEWLINK ? ifi->ifi_flags : 0;
		if (!(l->pending_flags & IFF_UP))
			l->pending_bounce = true;
	}
	return NL_OK;
}

static void netlink_ns_apply(struct netlink_ns *ns)
{
	struct netlink *nl = ns->nl;
	int i;

	for (i = 0; i < ROUTER_MAX_IFACES; i++) {
		struct netlink_link *l = &nl->links[i];

		if (!l->used || l->ns != ns || !l->pending)
			continue;
		l->pending = false;
		netlink_apply(nl, i, l->pending_flags, l->pending_bounce);
		l->pending_bounce = false;
	}
}

/* Receive calls per wakeup: bounds the time spent under an event storm. */
#define NETLINK_MON_BUDGET 64

static void netlink_mon_cb(evutil_socket_t fd, short what, void *arg)
{
	struct netlink_ns *ns = arg;
	struct nl_cb *cb = nl_socket_get_cb(ns->mon);
	int i, n = 0;

	for (i = 0; i < NETLINK_MON_BUDGET; i++) {
		n = nl_recvmsgs_report(ns->mon, cb);
		if (n == 0 || n == -NLE_AGAIN)
			break;
		if (n < 0)
			ns->overrun = true; /* ENOBUFS, reported as NLE_NOMEM */
	}
	nl_cb_put(cb);
	/* Not drained: the event is level-triggered, finish on the next wakeup. */
	if (n != 0 && n != -NLE_AGAIN)
		return;
	if (ns->overrun) {
		ns->overrun = false;
		netlink_ns_resync(ns);
	} else {
		netlink_ns_apply(ns);
	}
}

static void netlink_mon_stop(struct netlink_ns *ns)
{
	if (ns->ev)
		event_free(ns->ev);
	ns->ev = NULL;
	if (ns->mon)
		nl_socket_free(ns->mon);
	ns->mon = NULL;
}

static int netlink_mon_start(struct netlink *nl, struct netlink_ns *ns)
{
	int ret;

	ns->mon = nl_socket_alloc();
	if (!ns->mon)
		return -ENOMEM;
	/* Events are not answers to our requests: no sequence numbers. */
	nl_socket_disable_seq_check(ns->mon);
	nl_socket_modify_cb(ns->mon, NL_CB_VALID, NL_CB_CUSTOM, netlink_mon_msg, ns);
	ret = netlink_enter(ns);
	if (ret < 0)
		goto fail;
	ret = nl_connect(ns->mon, NETLINK_ROUTE);
	ret = ret < 0 ? -netlink_nle_errno(ret) : 0;
	if (netlink_leave(nl, ns) < 0 && ret == 0)
		ret = -EIO;
	if (ret < 0)
		goto fail;
	ret = nl_socket_add_membership(ns->mon, RTNLGRP_LINK);
	if (ret == 0)
		ret = nl_socket_set_nonblocking(ns->mon);
	if (ret < 0) {
		ret = -netlink_nle_errno(ret);
		goto fail;
	}
	ns->ev = event_new(nl->base, nl_socket_get_fd(ns->mon), EV_READ | EV_PERSIST,
			   netlink_mon_cb, ns);
	if (!ns->ev || event_add(ns->ev, NULL) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	netlink_mon_stop(ns);
	return ret;
}

/* Namespaces -------------------------------------------------------------- */

static void netlink_ns_release(struct netlink_ns *ns)
{
	netlink_mon_stop(ns);
	netlink_sock_close(&ns->req);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
	ns->used = false;
}

/* Find or open the entry of namespace name ("" = the daemon's own). */
static int netlink_ns_get(struct netlink *nl, const char *name, struct netlink_ns **out)
{
	struct netlink_ns *ns = NULL;
	char path[128];
	int i, ret;

	for (i = 0; i <= NETLINK_MAX_NS; i++) {
		if (nl->ns[i].used && !strcmp(nl->ns[i].name, name)) {
			*out = &nl->ns[i];
			return 0;
		}
		if (!nl->ns[i].used && !ns)
			ns = &nl->ns[i];
	}
	if (!ns)
		return -ENOSPC;
	/* A name is a file under /run/netns, never a path. */
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	memset(ns, 0, sizeof(*ns));
	ns->nl = nl;
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return -errno;
	ret = netlink_enter(ns);
	if (ret == 0) {
		ret = netlink_sock_open(&ns->req);
		if (netlink_leave(nl, ns) < 0 && ret == 0)
			ret = -EIO;
	}
	if (ret < 0) {
		netlink_ns_release(ns);
		return ret;
	}
	ns->used = true;
	*out = ns;
	return 0;
}

/* Drop an entry nobody uses; the daemon's own keeps its request socket. */
static void netlink_ns_put(struct netlink_ns *ns)
{
	if (ns->refs > 0)
		return;
	netlink_mon_stop(ns);
	if (ns != &ns->nl->ns[0])
		netlink_ns_release(ns);
}

/* Public interface -------------------------------------------------------- */

int netlink_open(struct netlink **out, struct event_base *base, struct router *r, char *err,
		 size_t errlen)
{
	struct netlink *nl = calloc(1, sizeof(*nl));
	int ret;

	if (!nl) {
		snprintf(err, errlen, "netlink: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	nl->base = base;
	nl->r = r;
	/* The calling thread's namespace: setns(2) works per thread. */
	nl->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nl->self_ns < 0) {
		ret = -errno;
		snprintf(err, errlen, "netlink: cannot open /proc/thread-self/ns/net: %s",
			 strerror(-ret));
		free(nl);
		return ret;
	}
	nl->ns[0].nl = nl;
	nl->ns[0].fd = -1;
	ret = netlink_sock_open(&nl->ns[0].req);
	if (ret < 0) {
		snprintf(err, errlen, "netlink: cannot open a route netlink socket: %s",
			 strerror(-ret));
		close(nl->self_ns);
		free(nl);
		return ret;
	}
	nl->ns[0].used = true;
	*out = nl;
	return 0;
}

void netlink_close(struct netlink *nl)
{
	int i;

	if (!nl)
		return;
	for (i = 0; i < ROUTER_MAX_IFACES; i++)
		netlink_link_forget(nl, i);
	for (i = 0; i <= NETLINK_MAX_NS; i++)
		if (nl->ns[i].used)
			netlink_ns_release(&nl->ns[i]);
	close(nl->self_ns);
	free(nl);
}

/* Move link name from the daemon's namespace into ns; its index there may
 * differ, so it is looked up again by name. */
static int netlink_move(struct netlink *nl, const struct config_iface *ci, struct netlink_ns *ns,
			char *err, size_t errlen)
{
	struct rtnl_link *chg;
	int ifindex = 0, ret;

	ret = netlink_link_get(&nl->ns[0], 0, ci->name, &ifindex, NULL);
	if (ret < 0)
		return netlink_fail(err, errlen, ci->name, ret, "cannot find the link");
	chg = rtnl_link_alloc();
	if (!chg)
		return netlink_fail(err, errlen, ci->name, -ENOMEM, "cannot move to netns \"%s\"",
				    ci->netns);
	rtnl_link_set_ns_fd(chg, ns->fd);
	ret = netlink_link_change(&nl->ns[0], ifindex, chg);
	if (ret < 0)
		return netlink_fail(err, errlen, ci->name, ret, "cannot move to netns \"%s\"",
				    ci->netns);
	return 0;
}

/* MTU, peer address, up, peer routes, in that order: routes need the link up. */
static int netlink_configure(struct netlink_ns *ns, int ifindex, const struct config_iface *ci,
			     char *err, size_t errlen)
{
	char buf[32];
	unsigned int i;
	int ret;

	ret = netlink_set_mtu(ns, ifindex, ci->mtu);
	if (ret < 0)
		return netlink_fail(err, errlen, ci->name, ret, "cannot set MTU %u", ci->mtu);
	if (ci->has_peer_address) {
		ret = netlink_addr(ns, ifindex, &ci->peer_address, true);
		if (ret < 0)
			return netlink_fail(err, errlen, ci->name, ret,
					    "cannot add peer address %s",
					    netlink_pfx_str(&ci->peer_address, buf, sizeof(buf)));
	}
	ret = netlink_set_up(ns, ifindex);
	if (ret < 0)
		return netlink_fail(err, errlen, ci->name, ret, "cannot set the link up");
	for (i = 0; i < ci->n_peer_routes; i++) {
		ret = netlink_route(ns, ifindex, &ci->peer_routes[i], true);
		if (ret < 0)
			return netlink_fail(err, errlen, ci->name, ret, "cannot add peer route %s",
					    netlink_pfx_str(&ci->peer_routes[i], buf, sizeof(buf)));
	}
	return 0;
}

/*
 * On failure the link may be left half configured (moved, an address added);
 * the caller closes the TUN, which removes the link with all of it.
 */
int netlink_link_setup(struct netlink *nl, const struct config_iface *ci, int ifc_idx, char *err,
		       size_t errlen)
{
	struct netlink_link *l;
	struct netlink_ns *ns = NULL;
	unsigned int flags = 0;
	int ifindex = 0, ret;

	if (ifc_idx < 0 || ifc_idx >= ROUTER_MAX_IFACES)
		return netlink_fail(err, errlen, ci->name, -EINVAL, "bad interface index %d",
				    ifc_idx);
	netlink_link_forget(nl, ifc_idx);
	ret = netlink_ns_get(nl, ci->netns, &ns);
	if (ret < 0)
		return netlink_fail(err, errlen, ci->name, ret, "cannot move to netns \"%s\"",
				    ci->netns);
	if (ci->netns[0]) {
		ret = netlink_move(nl, ci, ns, err, errlen);
		if (ret < 0)
			goto fail;
	}
	ret = netlink_link_get(ns, 0, ci->name, &ifindex, NULL);
	if (ret < 0) {
		if (ci->netns[0])
			netlink_fail(err, errlen, ci->name, ret,
				     "cannot find the link in netns \"%s\"", ci->netns);
		else
			netlink_fail(err, errlen, ci->name, ret, "cannot find the link");
		goto fail;
	}
	ret = netlink_configure(ns, ifindex, ci, err, errlen);
	if (ret < 0)
		goto fail;
	/* Subscribe before reading the state, so that no change falls between. */
	if (!ns->mon) {
		ret = netlink_mon_start(nl, ns);
		if (ret < 0) {
			netlink_fail(err, errlen, ci->name, ret, "cannot watch the link state");
			goto fail;
		}
	}
	ns->refs++;
	l = &nl->links[ifc_idx];
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->ifindex = ifindex;
	l->ns = ns;
	snprintf(l->name, sizeof(l->name), "%s", ci->name);
	memcpy(l->routes, ci->peer_routes, sizeof(l->routes));
	l->n_routes = ci->n_peer_routes;
	if (netlink_link_get(ns, ifindex, NULL, NULL, &flags) < 0)
		flags = 0;
	l->admin_up = flags & IFF_UP;
	netlink_state(nl, ifc_idx, netlink_flags_up(flags));
	return 0;
fail:
	netlink_ns_put(ns);
	return ret;
}

/* Add or remove pfx on the kernel side of interface ifc_idx (netlink_addr
 * takes adding what is there and removing what is not as success). */
static int netlink_link_addr_set(struct netlink *nl, int ifc_idx, const struct config_prefix *pfx,
				 bool add, char *err, size_t errlen)
{
	struct netlink_link *l;
	char buf[32];
	int ret;

	if (ifc_idx < 0 || ifc_idx >= ROUTER_MAX_IFACES || !nl->links[ifc_idx].used)
		return netlink_fail(err, errlen, "?", -ENODEV, "bad interface index %d", ifc_idx);
	l = &nl->links[ifc_idx];
	ret = netlink_addr(l->ns, l->ifindex, pfx, add);
	if (ret < 0)
		return netlink_fail(err, errlen, l->name, ret, "cannot %s address %s",
				    add ? "add" : "remove", netlink_pfx_str(pfx, buf, sizeof(buf)));
	return 0;
}

int netlink_link_addr(struct netlink *nl, int ifc_idx, const struct config_prefix *pfx, char *err,
		      size_t errlen)
{
	return netlink_link_addr_set(nl, ifc_idx, pfx, true, err, errlen);
}

int netlink_link_addr_del(struct netlink *nl, int ifc_idx, const struct config_prefix *pfx,
			  char *err, size_t errlen)
{
	return netlink_link_addr_set(nl, ifc_idx, pfx, false, err, errlen);
}

static bool netlink_pfx_eq(const struct config_prefix *a, const struct config_prefix *b)
{
	return a->addr == b->addr && a->plen == b->plen;
}

static bool netlink_pfx_in(const struct config_prefix *p, const struct config_prefix *set,
			   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (netlink_pfx_eq(p, &set[i]))
			return true;
	return false;
}

/* Add (or remove) the routes of set that are not in other (may be empty). */
static int netlink_routes_diff(struct netlink_link *l, const struct config_prefix *set,
			       unsigned int n, const struct config_prefix *other,
			       unsigned int n_other, bool add, char *err, size_t errlen)
{
	char buf[32];
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		if (netlink_pfx_in(&set[i], other, n_other))
			continue;
		ret = netlink_route(l->ns, l->ifindex, &set[i], add);
		if (ret < 0)
			return netlink_fail(err, errlen, l->name, ret, "cannot %s peer route %s",
					    add ? "add" : "remove",
					    netlink_pfx_str(&set[i], buf, sizeof(buf)));
	}
	return 0;
}

static int netlink_addr_update(struct netlink_link *l, const struct config_iface *old_ci,
			       const struct config_iface *ci, char *err, size_t errlen)
{
	char buf[32];
	int ret;

	if (old_ci->has_peer_address == ci->has_peer_address &&
	    (!ci->has_peer_address || netlink_pfx_eq(&old_ci->peer_address, &ci->peer_address)))
		return 0;
	if (old_ci->has_peer_address) {
		ret = netlink_addr(l->ns, l->ifindex, &old_ci->peer_address, false);
		if (ret < 0)
			return netlink_fail(err, errlen, l->name, ret,
					    "cannot remove peer address %s",
					    netlink_pfx_str(&old_ci->peer_address, buf,
							    sizeof(buf)));
	}
	if (ci->has_peer_address) {
		ret = netlink_addr(l->ns, l->ifindex, &ci->peer_address, true);
		if (ret < 0)
			return netlink_fail(err, errlen, l->name, ret, "cannot add peer address %s",
					    netlink_pfx_str(&ci->peer_address, buf, sizeof(buf)));
	}
	return 0;
}

/*
 * MTU, old routes out, address, routes in. A kernel failure half way
 * leaves what was done so far (the config itself was validated before);
 * running the same update again finishes it, as adding what exists and
 * removing what is gone both succeed.
 */
int netlink_link_update(struct netlink *nl, const struct config_iface *old_ci,
			const struct config_iface *ci, char *err, size_t errlen)
{
	struct netlink_link *l = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < ROUTER_MAX_IFACES && !l; i++)
		if (nl->links[i].used && !strcmp(nl->links[i].name, old_ci->name))
			l = &nl->links[i];
	if (!l)
		return netlink_fail(err, errlen, ci->name, -ENOENT, "not set up");
	if (strcmp(old_ci->netns, ci->netns))
		return netlink_fail(err, errlen, ci->name, -EOPNOTSUPP,
				    "cannot move from netns \"%s\" to \"%s\" on reload",
				    old_ci->netns, ci->netns);
	if (old_ci->mtu != ci->mtu) {
		ret = netlink_set_mtu(l->ns, l->ifindex, ci->mtu);
		if (ret < 0)
			return netlink_fail(err, errlen, ci->name, ret, "cannot set MTU %u",
					    ci->mtu);
	}
	ret = netlink_routes_diff(l, old_ci->peer_routes, old_ci->n_peer_routes,
				  ci->peer_routes, ci->n_peer_routes, false, err, errlen);
	if (ret < 0)
		return ret;
	/* From here on the new routes are the ones to restore after a down/up. */
	memcpy(l->routes, ci->peer_routes, sizeof(l->routes));
	l->n_routes = ci->n_peer_routes;
	ret = netlink_addr_update(l, old_ci, ci, err, errlen);
	if (ret < 0)
		return ret;
	/* All of them, not only the new ones: removing the last IPv4 address of
	 * a link makes the kernel flush every route through it. */
	return netlink_routes_diff(l, ci->peer_routes, ci->n_peer_routes, NULL, 0, true, err,
				   errlen);
}

void netlink_link_forget(struct netlink *nl, int ifc_idx)
{
	struct netlink_link *l;

	if (ifc_idx < 0 || ifc_idx >= ROUTER_MAX_IFACES)
		return;
	l = &nl->links[ifc_idx];
	if (!l->used)
		return;
	l->used = false;
	l->ns->refs--;
	netlink_ns_put(l->ns);
	l->ns = NULL;
}
