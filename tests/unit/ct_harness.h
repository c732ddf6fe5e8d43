/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the conntrack tests share: a router with connection tracking on,
 * its output captured, and packets with correct checksums.
 *
 *   10.1.0.2 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24] if1 --- 10.2.0.2
 *
 * The clock is injected: ch_clock(ms) sets the router's clock and runs its
 * housekeeping (router_tick), as the daemon's one-second timer does.
 */
#ifndef TF_TESTS_CT_HARNESS_H
#define TF_TESTS_CT_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include "conntrack/ct.h"
#include "conntrack/proto.h"
#include "conntrack/table.h"
#include "core/router.h"

#define CH_CAP_MAX 64

struct ch_capture {
	int oif[CH_CAP_MAX];
	uint8_t data[CH_CAP_MAX][256];
	uint32_t len[CH_CAP_MAX];
	uint8_t ctinfo[CH_CAP_MAX];    /* as the packet left */
	bool has_ct[CH_CAP_MAX];
	unsigned int n;
};

extern struct router ch_r;
extern struct ch_capture ch_cap;
extern uint64_t ch_now;

/* The router, conntrack on with cfg (NULL: the defaults). */
void ch_setup(const struct ct_config *cfg);
/* Conntrack off, every buffer back in the pool (checked), router gone. */
void ch_teardown(void);
/* ch_setup(NULL) and the tables (tables_init); ch_teardown_tables undoes both. */
void ch_setup_tables(void);
void ch_teardown_tables(void);
/* Restore text (iptables-save format) into a new ruleset and commit it. */
void ch_load(const char *text);
void ch_clock(uint64_t ms);

uint32_t ch_addr(const char *s);                   /* network order */

/* Packets in ch_r's pool, checksums right. */
struct pkt *ch_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport);
struct pkt *ch_tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint16_t win, unsigned int datalen);
/* ICMP of type/code; for echo types, id and sequence; others quote inner. */
struct pkt *ch_icmp(const char *src, const char *dst, uint8_t type, uint8_t code, uint16_t id,
		    const uint8_t *inner, unsigned int inner_len);
struct pkt *ch_raw(const char *src, const char *dst, uint8_t proto, unsigned int datalen);

/* router_rx on interface iif (0: if0, 1: if1), then flush. Returns the
 * number of packets that came out. */
unsigned int ch_send(struct pkt *p, int iif);

/* The table, and the entry with the tuple of (src, dst, proto, ports). */
struct ct_table *ch_table(void);
struct ct_entry *ch_find_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport);
struct ct_entry *ch_find_tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport);

#endif
