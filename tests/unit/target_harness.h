/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the target tests share: running a target's ops on option text the
 * way the rule parser does (tokens split on blanks, double quotes with
 * backslash escapes, "!" before an option), printing, the round trip
 * parse(print(x)) == x, and a router whose output is captured.
 *
 *   10.1.0.2 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24, mtu 1280] if1 --- 10.2.0.2
 */
#ifndef TF_TESTS_TARGET_HARNESS_H
#define TF_TESTS_TARGET_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/router.h"
#include "tables/xt.h"

/* One target instance: data as the parser owns it. */
struct th_target {
	const struct xt_target_ops *ops;
	void *data;
	void *state;
	char err[256];
};

/* Parse the options text for the target named name (parse each option,
 * then final). 0, or -EINVAL with t->err set. Always fills t (free with
 * th_free). */
int th_parse(struct th_target *t, const char *name, const char *text);
void th_free(struct th_target *t);
/* ops->check in table with the rule's hook mask and -p. */
int th_check(struct th_target *t, enum xt_table table, unsigned int hook_mask, uint16_t proto,
	     bool proto_inv);
/* The saved text (" --opt arg..."), malloc'd. */
char *th_print(const struct th_target *t);
/* Parse text, print it, parse the printed text: asserts equal data and
 * returns the printed text (malloc'd). */
char *th_roundtrip(const char *name, const char *text);
/* Parse text expecting failure: returns the message (static buffer). */
const char *th_error(const char *name, const char *text);

/* The router, with if0/if1 as drawn above, ICMP limits off. */
#define TH_CAP_MAX 16
struct th_capture {
	int oif[TH_CAP_MAX];
	uint8_t data[TH_CAP_MAX][2048];
	uint32_t len[TH_CAP_MAX];
	unsigned int n;
};

extern struct router th_r;
extern struct th_capture th_cap;

void th_router_setup(void);
void th_router_teardown(void);
uint32_t th_addr(const char *s);   /* network order */

/* A packet in th_r's pool: IPv4 header (20 bytes, id 0x1234, checksum
 * set) + payload. */
struct pkt *th_pkt(const char *src, const char *dst, uint8_t proto, uint8_t tos, uint8_t ttl,
		   uint16_t frag, const void *payload, size_t plen);
/* A packet from hex text (spaces ignored). */
struct pkt *th_pkt_hex(const char *hex);
/* Bytes from hex text into buf; returns the count. */
size_t th_hex(const char *hex, uint8_t *buf, size_t size);
/* A TCP segment with a correct checksum. */
struct pkt *th_tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport, uint32_t seq,
		   uint32_t ack, uint8_t flags, const void *opts, size_t optlen, const void *data,
		   size_t dlen);
/* A UDP datagram with a correct checksum. */
struct pkt *th_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport,
		   const void *data, size_t dlen);

/* A traversal context for p at hook (in/out from p->iif/p->oif). */
struct xt_ctx th_ctx(struct pkt *p, enum tf_hook hook, enum xt_table table);
/* Run the target on p. */
unsigned int th_run(struct th_target *t, struct xt_ctx *ctx);

/* Run target name with opts on the packet in_hex as forwarded from if0 to
 * if1 (TTL lowered first, as ip_forward does before the FORWARD hook), at
 * hook in the mangle table: expects XT_CONTINUE and the bytes out_hex, the
 * packet the kernel forwarded for the same rule. */
void th_forward_vector(const char *vname, const char *name, const char *opts, enum tf_hook hook,
		       const char *in_hex, const char *out_hex);

/* Checksums of a packet in a buffer verify (IP header; TCP/UDP/ICMP). */
bool th_ip_csum_ok(const uint8_t *ip);
bool th_l4_csum_ok(const uint8_t *ip, size_t len);

#endif
