/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The INI configuration (tunfilter.conf(5)), parsed with inih. Parsing and
 * validation are complete before anything is applied: the daemon's start,
 * `--check-config` and SIGHUP reload all call config_load(), and a config
 * that fails leaves nothing half-applied. Every error names the file and
 * line and quotes the offending token: `FILE:LINE: message`.
 *
 * Addresses here are in network byte order.
 */
#ifndef TF_DAEMON_CONFIG_H
#define TF_DAEMON_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include "conntrack/ct.h"
#include "core/router.h"
#include "queue/queue.h"

#define CONFIG_MAX_PEER_ROUTES 16
#define CONFIG_MAX_ROUTES 4096
#define CONFIG_ERR_MAX 512
#define CONFIG_MAX_QUEUES 256

struct config_prefix {
	uint32_t addr; /* network order */
	uint8_t plen;
};

struct config_iface {
	char name[IFNAMSIZ];
	int line;                    /* line of the [interface NAME] header */
	struct config_prefix address; /* the router's own address on the link */
	bool has_address;
	uint32_t mtu;                /* default 1500 */
	char netns[64];              /* "" = stay in the daemon's namespace */
	struct config_prefix peer_address; /* kernel side of the TUN */
	bool has_peer_address;
	struct config_prefix peer_routes[CONFIG_MAX_PEER_ROUTES];
	unsigned int n_peer_routes;
};

struct config_route {
	struct config_prefix dst;
	char ifname[IFNAMSIZ];
	int line;
};

/* [queue] and [queue N]: the queue socket and the queues' settings. */
struct config_queue {
	bool enabled;                /* a [queue] or [queue N] section: open the socket */
	char path[108];              /* sun_path */
	uint32_t mode;               /* of the socket file (default 0600, 0660 with group) */
	char group[64];              /* "" = root only */
	struct queue_settings defaults; /* [queue]: every queue without its own section */
	struct queue_num_settings *nums; /* [queue N], complete (defaults filled in) */
	unsigned int n_nums;
};

/* [local]: a TUN whose other side is the gateway's own kernel stack in the
 * daemon's namespace; the router's addresses are given to its kernel side. */
struct config_local {
	bool enabled;                /* a [local] section */
	int line;                    /* of its header */
	char name[IFNAMSIZ];         /* default "tf-host" */
	uint32_t mtu;                /* default 1500 */
};

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARNING, LOG_LVL_NOTICE, LOG_LVL_INFO, LOG_LVL_DEBUG };

struct config {
	char path[PATH_MAX];
	/* [daemon] */
	char control_socket[108];    /* sun_path */
	char control_group[64];      /* "" = root only */
	enum log_level log_level;
	char rules[PATH_MAX];        /* "" = no rules file */
	uint32_t batch;              /* packets read per wakeup per TUN */
	struct router_config router; /* pool, defrag, icmp limits */
	/* [interface NAME] */
	struct config_iface ifaces[ROUTER_MAX_IFACES];
	unsigned int n_ifaces;
	/* [routes] */
	struct config_route *routes;
	unsigned int n_routes;
	/* [conntrack] */
	struct ct_config conntrack;
	struct config_queue queue;
	struct config_local local;
};

/*
 * Parse and validate path into *cfg (which config_load initialises).
 * 0 on success; -EINVAL (or -errno of opening the file) with a message
 * `FILE:LINE: message` (or `FILE: message`) in err.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
void config_free(struct config *cfg);

/* Defaults used when a key is absent. */
void config_defaults(struct config *cfg);

const struct config_iface *config_iface_find(const struct config *cfg, const char *name);
const char *config_log_level_name(enum log_level lvl);

#endif
