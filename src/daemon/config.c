// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The INI configuration (tunfilter.conf(5)).
 *
 * inih splits lines into sections, keys and values and strips comments; we
 * feed it through our own line reader (ini_parse_stream) for three reasons:
 *
 *  - line numbers: Debian's inih is built without INI_HANDLER_LINENO, and
 *    the handler is always called for the line the reader returned last, so
 *    the reader's count is the handler's line;
 *  - long lines: inih reads into a fixed buffer (INI_MAX_LINE, 200 bytes in
 *    Debian) and would hand the tail of a longer line back as a line of its
 *    own; the reader sees the whole line first and reports it instead;
 *  - sections: inih tells the handler nothing about a section that has no
 *    keys, so "[daemons]" alone would pass and "[interface lan0]" with no
 *    keys would vanish. The reader parses section headers itself (and hands
 *    inih an empty line in their place).
 *
 * The reader also strips leading white space, which turns off inih's
 * multi-line continuation values: an indented key is an ordinary key.
 *
 * Only the first error is reported (the daemon prints one line): after it
 * the reader returns end-of-file. inih's own syntax errors (a line that is
 * neither a comment, a section nor "key = value") surface as its return
 * value, the line of the first one; it wins when it comes before ours.
 *
 * Then, with the whole file read, the cross checks (an interface without an
 * address, addresses used twice, routes naming unknown interfaces) run on
 * what was parsed; the parser keeps the line of every key for them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/ipv4.h"
#include "daemon/config.h"

#define CONFIG_DEFAULT_CONTROL_SOCKET "/run/tunfilter/control.sock"
#define CONFIG_DEFAULT_QUEUE_SOCKET TFQ_DEFAULT_PATH

_Static_assert(sizeof(((struct config *)0)->control_socket) ==
		       sizeof(((struct sockaddr_un *)0)->sun_path),
	       "control_socket must match sun_path");
_Static_assert(sizeof(((struct config *)0)->queue.path) ==
		       sizeof(((struct config *)0)->control_socket) &&
	       sizeof(((struct config *)0)->queue.group) ==
		       sizeof(((struct config *)0)->control_group),
	       "config_set_socket and config_set_group serve [queue] too");

enum config_section {
	SEC_NONE = 0,
	SEC_DAEMON,
	SEC_IFACE,
	SEC_ROUTES,
	SEC_CONNTRACK,
	SEC_QUEUE,
	SEC_QUEUE_NUM,
	SEC_LOCAL,
};

struct config_parser;
struct config_key;

/* Parse val into dst (inside struct config or struct config_iface).
 * 0, or -errno with the error reported. */
typedef int (*config_set_fn)(struct config_parser *ps, const struct config_key *k,
			     const char *val, void *dst);

/* One key of a section: a const table per section drives parsing. */
struct config_key {
	const char *name;
	config_set_fn set;
	size_t off;          /* of the destination in the section's struct */
	uint32_t min, max;   /* numeric keys */
	uint32_t scale;      /* numeric keys: stored value = parsed * scale */
	const char *expect;  /* what a good value looks like, for messages */
};

enum daemon_key {
	DKEY_CONTROL_SOCKET,
	DKEY_CONTROL_GROUP,
	DKEY_LOG_LEVEL,
	DKEY_RULES,
	DKEY_BATCH,
	DKEY_PACKET_BUFFERS,
	DKEY_DEFRAG,
	DKEY_DEFRAG_MEMORY,
	DKEY_DEFRAG_TIMEOUT,
	DKEY_ICMP_RATELIMIT,
	DKEY_ICMP_MSGS_PER_SEC,
	DKEY_ICMP_MSGS_BURST,
	DKEY_ICMP_RATEMASK,
	DKEY_MAX,
};

/* The settings of a queue: in [queue] (the defaults) and [queue N]. */
enum queue_num_key {
	QNKEY_MAXLEN,
	QNKEY_COPY,
	QNKEY_COPY_RANGE,
	QNKEY_FAIL_OPEN,
	QNKEY_DEFAULT_VERDICT,
	QNKEY_TIMEOUT,
	QNKEY_MAX,
};

/* [queue]: the socket, then the defaults in the order of queue_num_key. */
enum queue_key {
	QKEY_PATH,
	QKEY_MODE,
	QKEY_GROUP,
	QKEY_SETTINGS,
	QKEY_MAX = QKEY_SETTINGS + QNKEY_MAX,
};

/* [conntrack]: the switches, then one key per timeout (enum ct_timeout). */
enum ct_key {
	CKEY_ENABLE,
	CKEY_MAX_ENTRIES,
	CKEY_TCP_LIBERAL,
	CKEY_TCP_LOOSE,
	CKEY_TCP_MAX_RETRANS,
	CKEY_CHECKSUM,
	CKEY_TIMEOUT,
	CKEY_MAX = CKEY_TIMEOUT + CT_TO_MAX,
};

enum iface_key {
	IKEY_ADDRESS,
	IKEY_MTU,
	IKEY_NETNS,
	IKEY_PEER_ADDRESS,
	IKEY_PEER_ROUTES,
	IKEY_MAX,
};

enum local_key {
	LKEY_NAME,
	LKEY_MTU,
	LKEY_MAX,
};

struct config_parser {
	struct config *cfg;
	const char *path;        /* as given, for messages */
	FILE *f;
	char *line;              /* getline buffer */
	size_t cap;
	int lineno;
	int read_errno;          /* getline failed with this (not EOF) */

	char *err;
	size_t errlen;
	bool failed;
	int err_line;            /* line of the first error, 0 = none or no line */
	int rc;                  /* -EINVAL, or -ENOMEM */

	enum config_section sec;
	struct config_iface *ifc;   /* the current [interface NAME] */
	char sec_label[32];         /* "[daemon]", "[interface lan0]", for messages */
	int *seen;                  /* line of each key of the current section, 0 = unset */

	int daemon_line, routes_line;
	int daemon_seen[DKEY_MAX];
	int conntrack_line;
	int conntrack_seen[CKEY_MAX];
	int local_seen[LKEY_MAX];
	int iface_seen[ROUTER_MAX_IFACES][IKEY_MAX];
	unsigned int routes_cap;

	struct queue_settings *qs;  /* the current [queue N] */
	int queue_line;
	int queue_seen[QKEY_MAX];
	int qnum_line[CONFIG_MAX_QUEUES];            /* of each [queue N] header */
	int qnum_seen[CONFIG_MAX_QUEUES][QNKEY_MAX];
};

static int config_error(struct config_parser *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error as "FILE:LINE: message" (or "FILE: message" for
 * line 0). Later errors are ignored. Always -EINVAL. */
static int config_error(struct config_parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return -EINVAL;
	ps->failed = true;
	ps->err_line = line;
	ps->rc = -EINVAL;
	if (!ps->err || !ps->errlen)
		return -EINVAL;
	if (line > 0)
		n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->path, line);
	else
		n = snprintf(ps->err, ps->errlen, "%s: ", ps->path);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int config_nomem(struct config_parser *ps)
{
	config_error(ps, ps->lineno, "out of memory");
	ps->rc = -ENOMEM;
	return -ENOMEM;
}

static int config_bad_value(struct config_parser *ps, const struct config_key *k, const char *val)
{
	return config_error(ps, ps->lineno, "bad value \"%s\" for %s (expected %s)", val, k->name,
			    k->expect);
}

/* ---- value parsers (no error reporting; 0 or -EINVAL) ---------------- */

/* Decimal digits only: no sign, no spaces, no empty string. Refuses a few
 * values just below 2^64 rather than risk a wrap: every key is far smaller. */
static int config_parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	*end = p;
	return 0;
}

static int config_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	const char *end;
	uint64_t v;

	if (config_parse_u64(s, &v, &end) < 0 || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* A byte count with an optional K, M or G suffix (powers of 1024). */
static int config_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, mult = 1;

	if (config_parse_u64(s, &v, &end) < 0)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ull << 10;
		break;
	case 'm': case 'M':
		mult = 1ull << 20;
		break;
	case 'g': case 'G':
		mult = 1ull << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

/* Decimal, or hexadecimal with 0x: no octal surprise for "0755". */
static int config_parse_mask(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return config_parse_uint(s, 0, UINT32_MAX, out);
	p = s + 2;
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (!isxdigit((unsigned char)*p) || v > 0xfffffffu)
			return -EINVAL;
		v = v * 16 + (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
								  : tolower((unsigned char)*p) - 'a' + 10);
	}
	*out = (uint32_t)v;
	return 0;
}

static int config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* "A.B.C.D/LEN" (the length is required), network order out. */
static int config_parse_cidr(const char *s, struct config_prefix *out)
{
	uint32_t addr;
	uint8_t plen;

	if (!strchr(s, '/') || ipv4_parse_prefix(s, &addr, &plen) < 0 || plen > 32)
		return -EINVAL;
	out->addr = htonl(addr);
	out->plen = plen;
	return 0;
}

/* An address a host may own: not 0/8, 127/8, multicast or class E (which
 * includes the limited broadcast), and a prefix length of 1 to 32. */
static int config_parse_host_addr(const char *s, struct config_prefix *out)
{
	struct config_prefix p;

	if (config_parse_cidr(s, &p) < 0 || p.plen == 0)
		return -EINVAL;
	if (ipv4_addr_is_zeronet(p.addr) || ipv4_addr_is_loopback(p.addr) ||
	    (ntohl(p.addr) >> 28) >= 0xe)
		return -EINVAL;
	*out = p;
	return 0;
}

/* The canonical text of a prefix: "default" or "A.B.C.D/LEN". */
static const char *config_prefix_str(const struct config_prefix *p, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (p->addr == 0 && p->plen == 0)
		snprintf(buf, len, "default");
	else
		snprintf(buf, len, "%s/%u", inet_ntop(AF_INET, &p->addr, a, sizeof(a)), p->plen);
	return buf;
}

#define PREFIX_STRLEN (INET_ADDRSTRLEN + 4)

/* A route destination ("default" or A.B.C.D/LEN without host bits), with
 * the error reported. */
static int config_prefix(struct config_parser *ps, const char *s, struct config_prefix *out)
{
	char buf[PREFIX_STRLEN];
	struct config_prefix p;
	uint32_t mask;

	if (!strcmp(s, "default")) {
		out->addr = 0;
		out->plen = 0;
		return 0;
	}
	if (config_parse_cidr(s, &p) < 0)
		return config_error(ps, ps->lineno,
				    "bad prefix \"%s\" (expected A.B.C.D/LEN or default)", s);
	mask = htonl(ipv4_mask(p.plen));
	if (p.addr & ~mask) {
		p.addr &= mask;
		return config_error(ps, ps->lineno,
				    "prefix \"%s\" has host bits set (did you mean %s?)", s,
				    config_prefix_str(&p, buf, sizeof(buf)));
	}
	*out = p;
	return 0;
}

/* dev_valid_name() of the kernel. */
static bool config_ifname_valid(const char *name)
{
	if (!*name || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (; *name; name++) {
		if (*name == '/' || *name == ':' || isspace((unsigned char)*name))
			return false;
	}
	return true;
}

static bool config_group_exists(const char *name)
{
	struct group gr, *res = NULL;
	size_t len = 1024;
	char *buf = NULL;
	int rc;

	/* getgrnam_r, not getgrnam: a reload may run beside other lookups. */
	do {
		char *nbuf = realloc(buf, len);

		if (!nbuf)
			break;
		buf = nbuf;
		rc = getgrnam_r(name, &gr, buf, len, &res);
		len *= 2;
	} while (rc == ERANGE && len <= (1u << 20));
	free(buf);
	return res != NULL;
}

/* ---- [daemon] keys ----------------------------------------------------- */

static int config_set_uint(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst)
{
	uint32_t v;

	if (config_parse_uint(val, k->min, k->max, &v) < 0)
		return config_bad_value(ps, k, val);
	*(uint32_t *)dst = v * k->scale;
	return 0;
}

static int config_set_size(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst)
{
	uint64_t v;

	if (config_parse_size(val, &v) < 0 || v < k->min || v > k->max)
		return config_bad_value(ps, k, val);
	*(uint32_t *)dst = (uint32_t)v;
	return 0;
}

static int config_set_mask(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst)
{
	if (config_parse_mask(val, dst) < 0)
		return config_bad_value(ps, k, val);
	return 0;
}

static int config_set_bool(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst)
{
	if (config_parse_bool(val, dst) < 0)
		return config_bad_value(ps, k, val);
	return 0;
}

static int config_set_ct_mode(struct config_parser *ps, const struct config_key *k,
			      const char *val, void *dst)
{
	bool on;

	if (!strcasecmp(val, "auto")) {
		*(enum ct_mode *)dst = CT_MODE_AUTO;
		return 0;
	}
	if (config_parse_bool(val, &on) < 0)
		return config_bad_value(ps, k, val);
	*(enum ct_mode *)dst = on ? CT_MODE_ON : CT_MODE_OFF;
	return 0;
}

static int config_set_log_level(struct config_parser *ps, const struct config_key *k,
				const char *val, void *dst)
{
	for (int l = LOG_LVL_ERR; l <= LOG_LVL_DEBUG; l++) {
		if (!strcasecmp(val, config_log_level_name(l))) {
			*(enum log_level *)dst = l;
			return 0;
		}
	}
	return config_bad_value(ps, k, val);
}

static int config_set_socket(struct config_parser *ps, const struct config_key *k,
			     const char *val, void *dst)
{
	size_t size = sizeof(ps->cfg->control_socket);

	if (val[0] != '/' || strlen(val) >= size)
		return config_bad_value(ps, k, val);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

static int config_set_group(struct config_parser *ps, const struct config_key *k, const char *val,
			    void *dst)
{
	if (strlen(val) >= sizeof(ps->cfg->control_group))
		return config_bad_value(ps, k, val);
	if (*val && !config_group_exists(val))
		return config_error(ps, ps->lineno, "unknown group \"%s\" for %s", val, k->name);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

/* The directory of the config file, absolute, without a trailing "/"
 * ("" for the root). */
static int config_dir(const struct config_parser *ps, char *buf, size_t size)
{
	const char *slash = strrchr(ps->path, '/');
	size_t len = 0;
	int n;

	if (ps->path[0] != '/') {
		if (!getcwd(buf, size))
			return -errno;
		len = strlen(buf);
		if (len == 1) /* "/" */
			len = 0;
	}
	n = snprintf(buf + len, size - len, "%s%.*s", ps->path[0] != '/' && slash ? "/" : "",
		     slash ? (int)(slash - ps->path) : 0, ps->path);
	if (n < 0 || (size_t)n >= size - len)
		return -ENAMETOOLONG;
	return 0;
}

/* A relative rules path is taken from the config file's directory, made
 * absolute now: the daemon may chdir("/") and reloads must find it too. */
static int config_set_rules(struct config_parser *ps, const struct config_key *k, const char *val,
			    void *dst)
{
	size_t size = sizeof(ps->cfg->rules);
	char dir[PATH_MAX];
	int n, rc;

	if (!*val || val[0] == '/') {
		n = snprintf(dst, size, "%s", val);
	} else {
		rc = config_dir(ps, dir, sizeof(dir));
		if (rc == -ENAMETOOLONG)
			return config_bad_value(ps, k, val);
		if (rc < 0)
			return config_error(ps, ps->lineno, "cannot resolve %s \"%s\": %s", k->name,
					    val, strerror(-rc));
		n = snprintf(dst, size, "%s/%s", dir, val);
	}
	if (n < 0 || (size_t)n >= size)
		return config_bad_value(ps, k, val);
	return 0;
}

#define DOFF(field) offsetof(struct config, field)

static const struct config_key config_daemon_keys[DKEY_MAX] = {
	[DKEY_CONTROL_SOCKET] = { "control_socket", config_set_socket, DOFF(control_socket), 0, 0, 0,
				  "an absolute path of at most 107 bytes" },
	[DKEY_CONTROL_GROUP] = { "control_group", config_set_group, DOFF(control_group), 0, 0, 0,
				 "a group name of at most 63 bytes" },
	[DKEY_LOG_LEVEL] = { "log_level", config_set_log_level, DOFF(log_level), 0, 0, 0,
			     "err, warning, notice, info or debug" },
	[DKEY_RULES] = { "rules", config_set_rules, DOFF(rules), 0, 0, 0,
			 "a path of at most 4095 bytes" },
	[DKEY_BATCH] = { "batch", config_set_uint, DOFF(batch), 1, 1024, 1, "1 to 1024" },
	[DKEY_PACKET_BUFFERS] = { "packet_buffers", config_set_uint, DOFF(router.pool_size), 256,
				  65536, 1, "256 to 65536" },
	[DKEY_DEFRAG] = { "defrag", config_set_bool, DOFF(router.defrag), 0, 0, 0,
			  "yes, no, on, off, true, false, 1 or 0" },
	[DKEY_DEFRAG_MEMORY] = { "defrag_memory", config_set_size,
				 DOFF(router.defrag_cfg.max_memory), 64u << 10, 1u << 30, 1,
				 "64K to 1G bytes, with an optional K, M or G suffix" },
	[DKEY_DEFRAG_TIMEOUT] = { "defrag_timeout", config_set_uint,
				  DOFF(router.defrag_cfg.timeout_ms), 1, 3600, 1000,
				  "1 to 3600 seconds" },
	[DKEY_ICMP_RATELIMIT] = { "icmp_ratelimit", config_set_uint, DOFF(router.icmp.ratelimit_ms),
				  0, 3600000, 1, "0 to 3600000 ms" },
	[DKEY_ICMP_MSGS_PER_SEC] = { "icmp_msgs_per_sec", config_set_uint,
				     DOFF(router.icmp.msgs_per_sec), 0, 1000000, 1,
				     "0 to 1000000" },
	[DKEY_ICMP_MSGS_BURST] = { "icmp_msgs_burst", config_set_uint,
				   DOFF(router.icmp.msgs_burst), 1, 1000000, 1, "1 to 1000000" },
	[DKEY_ICMP_RATEMASK] = { "icmp_ratemask", config_set_mask, DOFF(router.icmp.ratemask), 0, 0,
				 0, "a number from 0 to 0xffffffff" },
};

/* ---- [interface NAME] keys --------------------------------------------- */

static int config_set_address(struct config_parser *ps, const struct config_key *k,
			      const char *val, void *dst)
{
	if (config_parse_host_addr(val, dst) < 0)
		return config_bad_value(ps, k, val);
	ps->ifc->has_address = true;
	return 0;
}

static int config_set_peer_address(struct config_parser *ps, const struct config_key *k,
				   const char *val, void *dst)
{
	if (config_parse_host_addr(val, dst) < 0)
		return config_bad_value(ps, k, val);
	ps->ifc->has_peer_address = true;
	return 0;
}

static int config_set_netns(struct config_parser *ps, const struct config_key *k, const char *val,
			    void *dst)
{
	/* A file name under /run/netns; whether it exists is for start-up. */
	if (strlen(val) >= sizeof(ps->ifc->netns) || strchr(val, '/') || !strcmp(val, ".") ||
	    !strcmp(val, ".."))
		return config_bad_value(ps, k, val);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

static int config_set_peer_routes(struct config_parser *ps, const struct config_key *k,
				  const char *val, void *dst)
{
	struct config_iface *ifc = ps->ifc;
	char *buf, *tok, *save = NULL;
	struct config_prefix p;
	int rc = 0;

	buf = strdup(val);
	if (!buf)
		return config_nomem(ps);
	ifc->n_peer_routes = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok && !rc; tok = strtok_r(NULL, ", \t", &save)) {
		rc = config_prefix(ps, tok, &p);
		for (unsigned int i = 0; !rc && i < ifc->n_peer_routes; i++) {
			if (ifc->peer_routes[i].addr == p.addr && ifc->peer_routes[i].plen == p.plen)
				rc = config_error(ps, ps->lineno, "duplicate prefix \"%s\" in %s", tok,
						  k->name);
		}
		if (!rc && ifc->n_peer_routes == CONFIG_MAX_PEER_ROUTES)
			rc = config_error(ps, ps->lineno, "too many %s (at most %u)", k->name,
					  CONFIG_MAX_PEER_ROUTES);
		if (!rc)
			ifc->peer_routes[ifc->n_peer_routes++] = p;
	}
	free(buf);
	return rc;
}

#define IOFF(field) offsetof(struct config_iface, field)

static const struct config_key config_iface_keys[IKEY_MAX] = {
	[IKEY_ADDRESS] = { "address", config_set_address, IOFF(address), 0, 0, 0,
			   "a unicast A.B.C.D/LEN" },
	[IKEY_MTU] = { "mtu", config_set_uint, IOFF(mtu), 68, 65535, 1, "68 to 65535" },
	[IKEY_NETNS] = { "netns", config_set_netns, IOFF(netns), 0, 0, 0,
			 "a namespace name of at most 63 bytes, without \"/\"" },
	[IKEY_PEER_ADDRESS] = { "peer_address", config_set_peer_address, IOFF(peer_address), 0, 0, 0,
				"a unicast A.B.C.D/LEN" },
	[IKEY_PEER_ROUTES] = { "peer_routes", config_set_peer_routes, IOFF(peer_routes), 0, 0, 0,
			       NULL },
};

/* ---- [local] keys -------------------------------------------------------- */

static int config_set_local_name(struct config_parser *ps, const struct config_key *k,
				 const char *val, void *dst)
{
	if (!config_ifname_valid(val))
		return config_bad_value(ps, k, val);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

#define LOFF(field) offsetof(struct config, local.field)

static const struct config_key config_local_keys[LKEY_MAX] = {
	[LKEY_NAME] = { "name", config_set_local_name, LOFF(name), 0, 0, 0,
			"an interface name of 1 to 15 characters" },
	[LKEY_MTU] = { "mtu", config_set_uint, LOFF(mtu), 68, 65535, 1, "68 to 65535" },
};

/* ---- [queue] and [queue N] keys ------------------------------------------ */

/* An octal file mode: digits 0-7 only (a leading 0 is allowed), at most 0777. */
static int config_set_mode(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst)
{
	uint32_t v = 0;
	const char *p;

	for (p = val; *p >= '0' && *p <= '7' && v <= 0777; p++)
		v = v * 8 + (uint32_t)(*p - '0');
	if (p == val || *p || v > 0777)
		return config_bad_value(ps, k, val);
	*(uint32_t *)dst = v;
	return 0;
}

/* One of a list of words, stored as its value. */
struct config_word {
	const char *word;
	uint32_t value;
};

static int config_set_word(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst, const struct config_word *w)
{
	for (; w->word; w++) {
		if (!strcmp(val, w->word)) {
			*(uint32_t *)dst = w->value;
			return 0;
		}
	}
	return config_bad_value(ps, k, val);
}

static int config_set_copy(struct config_parser *ps, const struct config_key *k, const char *val,
			   void *dst)
{
	static const struct config_word w[] = {
		{ "none", TFQ_COPY_NONE }, { "meta", TFQ_COPY_META },
		{ "packet", TFQ_COPY_PACKET }, { NULL, 0 },
	};

	return config_set_word(ps, k, val, dst, w);
}

static int config_set_verdict(struct config_parser *ps, const struct config_key *k,
			      const char *val, void *dst)
{
	static const struct config_word w[] = {
		{ "accept", TF_ACCEPT }, { "drop", TF_DROP }, { NULL, 0 },
	};

	return config_set_word(ps, k, val, dst, w);
}

/* The settings keys, at offset base of a struct queue_settings. */
#define QUEUE_SETTINGS_KEYS(base)                                                          \
	{ "maxlen", config_set_uint, (base) + offsetof(struct queue_settings, maxlen), 1,  \
	  QUEUE_MAXLEN_MAX, 1, "1 to 65536" },                                             \
	{ "copy", config_set_copy, (base) + offsetof(struct queue_settings, copy_mode), 0, \
	  0, 0, "none, meta or packet" },                                                  \
	{ "copy_range", config_set_uint,                                                   \
	  (base) + offsetof(struct queue_settings, copy_range), 0, TFQ_MAX_PAYLOAD, 1,     \
	  "0 to 65535 bytes" },                                                            \
	{ "fail_open", config_set_bool, (base) + offsetof(struct queue_settings, fail_open), \
	  0, 0, 0, "yes, no, on, off, true, false, 1 or 0" },                              \
	{ "default_verdict", config_set_verdict,                                           \
	  (base) + offsetof(struct queue_settings, default_verdict), 0, 0, 0,              \
	  "accept or drop" },                                                              \
	{ "timeout", config_set_uint, (base) + offsetof(struct queue_settings, timeout_ms), \
	  1, 3600000, 1, "1 to 3600000 ms" }

static const struct config_key config_queue_keys[QKEY_MAX] = {
	[QKEY_PATH] = { "path", config_set_socket, DOFF(queue.path), 0, 0, 0,
			"an absolute path of at most 107 bytes" },
	[QKEY_MODE] = { "mode", config_set_mode, DOFF(queue.mode), 0, 0, 0,
			"an octal file mode from 0 to 0777" },
	[QKEY_GROUP] = { "group", config_set_group, DOFF(queue.group), 0, 0, 0,
			 "a group name of at most 63 bytes" },
	QUEUE_SETTINGS_KEYS(DOFF(queue.defaults)),
};

static const struct config_key config_queue_num_keys[QNKEY_MAX] = {
	QUEUE_SETTINGS_KEYS(0),
};

/* ---- [conntrack] keys --------------------------------------------------- */

#define CTOFF(field) offsetof(struct config, conntrack.field)
#define CT_BOOL "yes, no, on, off, true, false, 1 or 0"
#define CT_TIMEOUT_KEY(id, name)                                                          \
	[CKEY_TIMEOUT + (id)] = { name, config_set_uint, CTOFF(timeout_ms[id]), 1,        \
				  CT_TIMEOUT_MAX_S, 1000, "1 to 4294967 seconds" }

static const struct config_key config_conntrack_keys[CKEY_MAX] = {
	[CKEY_ENABLE] = { "enable", config_set_ct_mode, CTOFF(mode), 0, 0, 0,
			  "auto, yes, no, on, off, true, false, 1 or 0" },
	[CKEY_MAX_ENTRIES] = { "max_entries", config_set_uint, CTOFF(max_entries), 1,
			       CT_MAX_ENTRIES_LIMIT, 1, "1 to 16777216" },
	[CKEY_TCP_LIBERAL] = { "tcp_liberal", config_set_bool, CTOFF(tcp_liberal), 0, 0, 0,
			       CT_BOOL },
	[CKEY_TCP_LOOSE] = { "tcp_loose", config_set_bool, CTOFF(tcp_loose), 0, 0, 0, CT_BOOL },
	[CKEY_TCP_MAX_RETRANS] = { "tcp_max_retrans", config_set_uint, CTOFF(tcp_max_retrans), 0,
				   255, 1, "0 to 255" },
	[CKEY_CHECKSUM] = { "checksum", config_set_bool, CTOFF(checksum), 0, 0, 0, CT_BOOL },
	CT_TIMEOUT_KEY(CT_TO_TCP_SYN_SENT, "tcp_timeout_syn_sent"),
	CT_TIMEOUT_KEY(CT_TO_TCP_SYN_RECV, "tcp_timeout_syn_recv"),
	CT_TIMEOUT_KEY(CT_TO_TCP_ESTABLISHED, "tcp_timeout_established"),
	CT_TIMEOUT_KEY(CT_TO_TCP_FIN_WAIT, "tcp_timeout_fin_wait"),
	CT_TIMEOUT_KEY(CT_TO_TCP_CLOSE_WAIT, "tcp_timeout_close_wait"),
	CT_TIMEOUT_KEY(CT_TO_TCP_LAST_ACK, "tcp_timeout_last_ack"),
	CT_TIMEOUT_KEY(CT_TO_TCP_TIME_WAIT, "tcp_timeout_time_wait"),
	CT_TIMEOUT_KEY(CT_TO_TCP_CLOSE, "tcp_timeout_close"),
	CT_TIMEOUT_KEY(CT_TO_TCP_SYN_SENT2, "tcp_timeout_syn_sent2"),
	CT_TIMEOUT_KEY(CT_TO_TCP_MAX_RETRANS, "tcp_timeout_max_retrans"),
	CT_TIMEOUT_KEY(CT_TO_TCP_UNACK, "tcp_timeout_unacknowledged"),
	CT_TIMEOUT_KEY(CT_TO_UDP, "udp_timeout"),
	CT_TIMEOUT_KEY(CT_TO_UDP_STREAM, "udp_timeout_stream"),
	CT_TIMEOUT_KEY(CT_TO_ICMP, "icmp_timeout"),
	CT_TIMEOUT_KEY(CT_TO_GENERIC, "generic_timeout"),
};

/* ---- sections ------------------------------------------------------------ */

static int config_set_key(struct config_parser *ps, const struct config_key *keys, size_t n,
			  void *base, const char *name, const char *val)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(name, keys[i].name))
			continue;
		if (ps->seen[i])
			return config_error(ps, ps->lineno,
					    "duplicate key \"%s\" in %s (first at line %d)", name,
					    ps->sec_label, ps->seen[i]);
		ps->seen[i] = ps->lineno;
		return keys[i].set(ps, &keys[i], val, (char *)base + keys[i].off);
	}
	return config_error(ps, ps->lineno, "unknown key \"%s\" in %s", name, ps->sec_label);
}

static int config_route_add(struct config_parser *ps, const char *prefix, const char *ifname)
{
	struct config *cfg = ps->cfg;
	struct config_route *r;
	struct config_prefix p;

	if (config_prefix(ps, prefix, &p) < 0)
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		r = &cfg->routes[i];
		if (r->dst.addr == p.addr && r->dst.plen == p.plen)
			return config_error(ps, ps->lineno, "duplicate route \"%s\" (first at line %d)",
					    prefix, r->line);
	}
	/* A name that cannot be an interface cannot be a configured one either;
	 * the same message as the check after parsing. */
	if (!config_ifname_valid(ifname))
		return config_error(ps, ps->lineno, "route \"%s\" names unknown interface \"%s\"",
				    prefix, ifname);
	if (cfg->n_routes == CONFIG_MAX_ROUTES)
		return config_error(ps, ps->lineno, "too many routes (at most %u)",
				    CONFIG_MAX_ROUTES);
	if (cfg->n_routes == ps->routes_cap) {
		unsigned int cap = ps->routes_cap ? ps->routes_cap * 2 : 16;

		r = reallocarray(cfg->routes, cap, sizeof(*r));
		if (!r)
			return config_nomem(ps);
		cfg->routes = r;
		ps->routes_cap = cap;
	}
	r = &cfg->routes[cfg->n_routes++];
	r->dst = p;
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->line = ps->lineno;
	return 0;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parser *ps = user;

	(void)section; /* the reader tracks sections; inih only ever sees "" */
	if (ps->failed)
		return 0;
	switch (ps->sec) {
	case SEC_DAEMON:
		return config_set_key(ps, config_daemon_keys, DKEY_MAX, ps->cfg, name, value) == 0;
	case SEC_IFACE:
		return config_set_key(ps, config_iface_keys, IKEY_MAX, ps->ifc, name, value) == 0;
	case SEC_ROUTES:
		return config_route_add(ps, name, value) == 0;
	case SEC_CONNTRACK:
		return config_set_key(ps, config_conntrack_keys, CKEY_MAX, ps->cfg, name,
				      value) == 0;
	case SEC_QUEUE:
		return config_set_key(ps, config_queue_keys, QKEY_MAX, ps->cfg, name, value) == 0;
	case SEC_QUEUE_NUM:
		return config_set_key(ps, config_queue_num_keys, QNKEY_MAX, ps->qs, name,
				      value) == 0;
	case SEC_LOCAL:
		return config_set_key(ps, config_local_keys, LKEY_MAX, ps->cfg, name, value) == 0;
	case SEC_NONE:
		break;
	}
	config_error(ps, ps->lineno, "key \"%s\" outside any section", name);
	return 0;
}

static int config_section_once(struct config_parser *ps, int *line, const char *label)
{
	if (*line)
		return config_error(ps, ps->lineno, "duplicate section \"%s\" (first at line %d)",
				    label, *line);
	*line = ps->lineno;
	return 0;
}

static int config_section_iface(struct config_parser *ps, const char *name)
{
	struct config *cfg = ps->cfg;
	const struct config_iface *old;
	struct config_iface *ifc;

	if (!*name)
		return config_error(ps, ps->lineno, "missing interface name in \"[interface]\"");
	if (!config_ifname_valid(name))
		return config_error(ps, ps->lineno,
				    "bad interface name \"%s\" (1 to 15 characters, "
				    "no \"/\", \":\" or white space)", name);
	old = config_iface_find(cfg, name);
	if (old)
		return config_error(ps, ps->lineno,
				    "duplicate section \"[interface %s]\" (first at line %d)", name,
				    old->line);
	if (cfg->n_ifaces == ROUTER_MAX_IFACES)
		return config_error(ps, ps->lineno, "too many interfaces (at most %u)",
				    ROUTER_MAX_IFACES);
	ifc = &cfg->ifaces[cfg->n_ifaces];
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->line = ps->lineno;
	ifc->mtu = 1500;
	ps->ifc = ifc;
	ps->seen = ps->iface_seen[cfg->n_ifaces];
	ps->sec = SEC_IFACE;
	cfg->n_ifaces++;
	snprintf(ps->sec_label, sizeof(ps->sec_label), "[interface %s]", name);
	return 0;
}

/* "[queue N]": N is 0 to 65535, in decimal. */
static int config_section_queue_num(struct config_parser *ps, const char *num)
{
	struct config_queue *cq = &ps->cfg->queue;
	struct queue_num_settings *qn;
	uint32_t n;

	if (config_parse_uint(num, 0, QUEUE_NUM_MAX, &n) < 0)
		return config_error(ps, ps->lineno,
				    "bad queue number \"%s\" in \"[queue %s]\" "
				    "(expected 0 to 65535)", num, num);
	for (unsigned int i = 0; i < cq->n_nums; i++) {
		if (cq->nums[i].num == n)
			return config_error(ps, ps->lineno,
					    "duplicate section \"[queue %u]\" (first at line %d)", n,
					    ps->qnum_line[i]);
	}
	if (cq->n_nums == CONFIG_MAX_QUEUES)
		return config_error(ps, ps->lineno, "too many [queue N] sections (at most %u)",
				    CONFIG_MAX_QUEUES);
	/* Room for all at once: CONFIG_MAX_QUEUES is small. */
	if (!cq->nums) {
		cq->nums = calloc(CONFIG_MAX_QUEUES, sizeof(*cq->nums));
		if (!cq->nums)
			return config_nomem(ps);
	}
	qn = &cq->nums[cq->n_nums];
	qn->num = (uint16_t)n;
	ps->qnum_line[cq->n_nums] = ps->lineno;
	ps->qs = &qn->s;
	ps->seen = ps->qnum_seen[cq->n_nums];
	ps->sec = SEC_QUEUE_NUM;
	cq->n_nums++;
	cq->enabled = true;
	snprintf(ps->sec_label, sizeof(ps->sec_label), "[queue %u]", n);
	return 0;
}

/* s is "[...]" with leading white space gone. */
static int config_section(struct config_parser *ps, char *s)
{
	char *end = strchr(s, ']'), *in, *rest, *word_end;

	if (!end)
		return config_error(ps, ps->lineno, "unterminated section header \"%s\"", s);
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest && *rest != ';' && *rest != '#')
		return config_error(ps, ps->lineno, "unexpected \"%s\" after section header", rest);
	for (in = s + 1; isspace((unsigned char)*in); in++)
		;
	*end = '\0';
	for (char *t = end; t > in && isspace((unsigned char)t[-1]); t--)
		t[-1] = '\0';
	for (word_end = in; *word_end && !isspace((unsigned char)*word_end); word_end++)
		;

	ps->sec = SEC_NONE;
	if (!strcmp(in, "daemon")) {
		if (config_section_once(ps, &ps->daemon_line, "[daemon]") < 0)
			return -EINVAL;
		ps->sec = SEC_DAEMON;
		ps->seen = ps->daemon_seen;
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[daemon]");
		return 0;
	}
	if (!strcmp(in, "routes")) {
		if (config_section_once(ps, &ps->routes_line, "[routes]") < 0)
			return -EINVAL;
		ps->sec = SEC_ROUTES;
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[routes]");
		return 0;
	}
	if (!strcmp(in, "queue")) {
		if (config_section_once(ps, &ps->queue_line, "[queue]") < 0)
			return -EINVAL;
		ps->sec = SEC_QUEUE;
		ps->seen = ps->queue_seen;
		ps->cfg->queue.enabled = true;
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[queue]");
		return 0;
	}
	if (word_end - in == 5 && !strncmp(in, "queue", 5)) {
		while (isspace((unsigned char)*word_end))
			word_end++;
		return config_section_queue_num(ps, word_end);
	}
	if (!strcmp(in, "conntrack")) {
		if (config_section_once(ps, &ps->conntrack_line, "[conntrack]") < 0)
			return -EINVAL;
		ps->sec = SEC_CONNTRACK;
		ps->seen = ps->conntrack_seen;
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[conntrack]");
		return 0;
	}
	if (!strcmp(in, "local")) {
		if (config_section_once(ps, &ps->cfg->local.line, "[local]") < 0)
			return -EINVAL;
		ps->sec = SEC_LOCAL;
		ps->seen = ps->local_seen;
		ps->cfg->local.enabled = true;
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[local]");
		return 0;
	}
	if (word_end - in == 9 && !strncmp(in, "interface", 9)) {
		while (isspace((unsigned char)*word_end))
			word_end++;
		return config_section_iface(ps, word_end);
	}
	return config_error(ps, ps->lineno, "unknown section \"[%s]\"", in);
}

/*
 * inih's line source. Hands inih one line at a time without its leading
 * white space, and with section headers already handled (an empty line in
 * their place); returns "end of file" after the first error.
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct config_parser *ps = stream;
	size_t len, max = num > 3 ? (size_t)num - 3 : 0;
	ssize_t n;
	char *s;

	if (ps->failed)
		return NULL;
	errno = 0;
	n = getline(&ps->line, &ps->cap, ps->f);
	if (n < 0) {
		if (ferror(ps->f))
			ps->read_errno = errno ? errno : EIO;
		return NULL;
	}
	ps->lineno++;
	len = (size_t)n;
	if (len && ps->line[len - 1] == '\n')
		ps->line[--len] = '\0';
	if (len && ps->line[len - 1] == '\r')
		ps->line[--len] = '\0';
	if (memchr(ps->line, '\0', len)) {
		config_error(ps, ps->lineno, "NUL byte in line");
		return NULL;
	}
	/* inih needs room for "\r\n\0" after the longest line it takes. */
	if (len > max) {
		config_error(ps, ps->lineno, "line too long (%zu characters, at most %zu)", len, max);
		return NULL;
	}
	s = ps->line;
	if (ps->lineno == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* UTF-8 byte order mark */
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		if (config_section(ps, s) < 0)
			return NULL;
		s = "";
	}
	/* A line that is neither blank, a comment, a section nor "key = value":
	 * say so here, where the line is at hand to quote (inih would only
	 * give its number). */
	if (*s && *s != ';' && *s != '#' && !strpbrk(s, "=:")) {
		config_error(ps, ps->lineno, "expected \"key = value\", got \"%.*s\"",
			     (int)strcspn(s, " \t"), s);
		return NULL;
	}
	memcpy(str, s, strlen(s) + 1);
	return str;
}

/* ---- checks on the whole file ------------------------------------------ */

static int config_check_iface(struct config_parser *ps, unsigned int i)
{
	const struct config *cfg = ps->cfg;
	const struct config_iface *ifc = &cfg->ifaces[i];
	char buf[PREFIX_STRLEN];

	if (!ifc->has_address)
		return config_error(ps, ifc->line, "missing key \"address\" in [interface %s]",
				    ifc->name);
	for (unsigned int j = 0; j < i; j++) {
		if (cfg->ifaces[j].address.addr == ifc->address.addr)
			return config_error(ps, ps->iface_seen[i][IKEY_ADDRESS],
					    "address \"%s\" is also the address of [interface %s]",
					    config_prefix_str(&ifc->address, buf, sizeof(buf)),
					    cfg->ifaces[j].name);
	}
	return 0;
}

/* The kernel side of a TUN must not claim one of the router's addresses:
 * packets to it would never reach the router. */
static int config_check_peer(struct config_parser *ps, unsigned int i)
{
	const struct config *cfg = ps->cfg;
	const struct config_iface *ifc = &cfg->ifaces[i];
	char buf[PREFIX_STRLEN];

	if (!ifc->has_peer_address)
		return 0;
	for (unsigned int j = 0; j < cfg->n_ifaces; j++) {
		if (cfg->ifaces[j].address.addr == ifc->peer_address.addr)
			return config_error(ps, ps->iface_seen[i][IKEY_PEER_ADDRESS],
					    "peer_address \"%s\" is the address of [interface %s]",
					    config_prefix_str(&ifc->peer_address, buf, sizeof(buf)),
					    cfg->ifaces[j].name);
	}
	return 0;
}

/* A [queue N] takes from [queue] every setting it does not give itself,
 * wherever the two sections are in the file. */
static void config_queue_inherit(struct config_parser *ps)
{
	struct config_queue *cq = &ps->cfg->queue;
	const struct queue_settings *d = &cq->defaults;

	for (unsigned int i = 0; i < cq->n_nums; i++) {
		struct queue_settings *s = &cq->nums[i].s;
		const int *seen = ps->qnum_seen[i];

		if (!seen[QNKEY_MAXLEN])
			s->maxlen = d->maxlen;
		if (!seen[QNKEY_COPY])
			s->copy_mode = d->copy_mode;
		if (!seen[QNKEY_COPY_RANGE])
			s->copy_range = d->copy_range;
		if (!seen[QNKEY_FAIL_OPEN])
			s->fail_open = d->fail_open;
		if (!seen[QNKEY_DEFAULT_VERDICT])
			s->default_verdict = d->default_verdict;
		if (!seen[QNKEY_TIMEOUT])
			s->timeout_ms = d->timeout_ms;
	}
	if (!ps->queue_seen[QKEY_MODE])
		cq->mode = cq->group[0] ? 0660 : 0600;
}

static int config_validate(struct config_parser *ps)
{
	const struct config *cfg = ps->cfg;
	char buf[PREFIX_STRLEN];

	config_queue_inherit(ps);
	if (!cfg->n_ifaces)
		return config_error(ps, 0, "no [interface] section");
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		if (config_check_iface(ps, i) < 0)
			return -EINVAL;
	}
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		if (config_check_peer(ps, i) < 0)
			return -EINVAL;
	}
	if (cfg->local.enabled && config_iface_find(cfg, cfg->local.name))
		return config_error(ps, ps->local_seen[LKEY_NAME] ?: cfg->local.line,
				    "[local] name \"%s\" is also an [interface %s]",
				    cfg->local.name, cfg->local.name);
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		const struct config_route *r = &cfg->routes[i];

		if (!config_iface_find(cfg, r->ifname))
			return config_error(ps, r->line, "route \"%s\" names unknown interface \"%s\"",
					    config_prefix_str(&r->dst, buf, sizeof(buf)), r->ifname);
	}
	return 0;
}

/* ---- API ------------------------------------------------------------------- */

void config_defaults(struct config *cfg)
{
	static const struct icmp_limit_config icmp = ICMP_LIMIT_DEFAULTS;
	static const struct queue_settings queue_defaults = QUEUE_SETTINGS_DEFAULTS;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 CONFIG_DEFAULT_CONTROL_SOCKET);
	cfg->log_level = LOG_LVL_NOTICE;
	cfg->batch = 64;
	cfg->router.pool_size = 4096;
	cfg->router.defrag = false;
	cfg->router.defrag_cfg.max_memory = 4u << 20;  /* kernel ipfrag_high_thresh */
	cfg->router.defrag_cfg.timeout_ms = 30 * 1000; /* kernel ipfrag_time */
	cfg->router.defrag_cfg.max_queues = 1024;
	cfg->router.icmp = icmp;
	ct_config_defaults(&cfg->conntrack);
	snprintf(cfg->queue.path, sizeof(cfg->queue.path), "%s", CONFIG_DEFAULT_QUEUE_SOCKET);
	cfg->queue.mode = 0600;
	cfg->queue.defaults = queue_defaults;
	snprintf(cfg->local.name, sizeof(cfg->local.name), "tf-host");
	cfg->local.mtu = 1500;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_parser *ps;
	int ret, rc;

	config_defaults(cfg);
	if (err && errlen)
		err[0] = '\0';
	/* The parser holds a line table per interface: too big for a stack
	 * that may be a thread's. */
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	ps->cfg = cfg;
	ps->path = path;
	ps->err = err;
	ps->errlen = errlen;

	if (strlen(path) >= sizeof(cfg->path)) {
		rc = -ENAMETOOLONG;
		goto out_errno;
	}
	memcpy(cfg->path, path, strlen(path) + 1);
	ps->f = fopen(path, "re");
	if (!ps->f) {
		rc = -errno;
		goto out_errno;
	}
	ret = ini_parse_stream(config_reader, ps, config_handler, ps);
	fclose(ps->f);
	free(ps->line);
	if (ps->read_errno && !ps->failed) {
		rc = -ps->read_errno;
		goto out_errno;
	}
	if (ret > 0 && (!ps->failed || ret < ps->err_line)) {
		ps->failed = false;
		config_error(ps, ret, "syntax error");
	} else if (ret < 0 && !ps->failed) {
		ps->lineno = 0;
		config_nomem(ps);
	}
	if (!ps->failed)
		config_validate(ps);
	rc = ps->failed ? ps->rc : 0;
	if (rc)
		config_free(cfg);
	free(ps);
	return rc;

out_errno:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	config_free(cfg);
	free(ps);
	return rc;
}

void config_free(struct config *cfg)
{
	free(cfg->routes);
	cfg->routes = NULL;
	cfg->n_routes = 0;
	free(cfg->queue.nums);
	cfg->queue.nums = NULL;
	cfg->queue.n_nums = 0;
}

const struct config_iface *config_iface_find(const struct config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		if (!strcmp(cfg->ifaces[i].name, name))
			return &cfg->ifaces[i];
	}
	return NULL;
}

const char *config_log_level_name(enum log_level lvl)
{
	static const char *const names[] = {
		[LOG_LVL_ERR] = "err",   [LOG_LVL_WARNING] = "warning", [LOG_LVL_NOTICE] = "notice",
		[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	};

	if ((unsigned int)lvl >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[lvl];
}
