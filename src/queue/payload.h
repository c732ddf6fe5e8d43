/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A consumer's replacement payload (the whole IPv4 packet), checked and
 * made consistent before it replaces the packet: the consumer may change
 * bytes and lengths freely, and the daemon sets the total length, the
 * header checksum and, for an unfragmented TCP, UDP or ICMP packet, the
 * transport checksum (a UDP checksum of 0, "none", stays 0). What cannot be
 * made right is refused: not IPv4, a header longer than the packet, bad
 * options, a transport header cut short.
 */
#ifndef TF_QUEUE_PAYLOAD_H
#define TF_QUEUE_PAYLOAD_H

#include <stdint.h>
#include "core/pkt.h"

/* Replace p's packet with buf[0..len). 0, or -EINVAL when the payload is
 * refused (p is then in an undefined state: the caller drops it). */
int queue_payload_replace(struct pkt *p, const uint8_t *buf, uint32_t len);

#endif
