/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The router's built-in local stack: it answers as a Linux host with no
 * listening sockets would. ICMP echo and timestamp requests get replies,
 * TCP gets a RST (tcp_v4_send_reset rules: none for a RST), UDP gets ICMP
 * port unreachable, other protocols ICMP protocol unreachable. Other ICMP
 * (replies, errors) is consumed silently.
 */
#ifndef TF_CORE_LOCAL_H
#define TF_CORE_LOCAL_H

#include <stdint.h>
#include "core/pkt.h"

enum local_action {
	LOCAL_CONSUMED = 0,  /* nothing to send; the caller frees p */
	LOCAL_REPLY_INPLACE, /* p became the reply; send it through LOCAL_OUT */
	LOCAL_REPLY_NEW,     /* *reply is a new packet to send; the caller frees p */
	LOCAL_SEND_ICMP,     /* send an ICMP error type/code about p; the caller does */
};

struct local_result {
	enum local_action action;
	struct pkt *reply;
	uint8_t icmp_type, icmp_code;
};

/*
 * Decide what the local stack does with p, a whole (reassembled) datagram
 * addressed to local address dst (network order, the address the reply
 * comes from). ip_id is the IP ID for a new packet (network order).
 */
int local_deliver(struct pkt_pool *pool, struct pkt *p, uint32_t local_addr, uint16_t ip_id,
		  uint32_t ms_of_day, struct local_result *res);

/* Build the RST that answers the TCP segment in p (tcp_v4_send_reset), from
 * src (network order). Like Linux's, the RST has DF set and IP ID 0, so
 * ip_id is not used. 0, -EINVAL (no reply due: a RST, or malformed),
 * -ENOBUFS. */
int local_tcp_reset(struct pkt_pool *pool, const struct pkt *p, uint32_t src, uint16_t ip_id,
		    struct pkt **out);

#endif
