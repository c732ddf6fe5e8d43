/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624,
 * eqn. 3: HC' = ~(~HC + ~m + m')). Checksums are kept in network byte order
 * as they sit in the header; the incremental forms take old and new field
 * values as they sit in the packet (network order) too.
 */
#ifndef TF_CORE_CSUM_H
#define TF_CORE_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's complement sum of len bytes folded into 32 bits, added to sum.
 * Chain calls to sum discontiguous pieces (each piece but the last must
 * have an even length). */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Fold a partial sum to 16 bits and complement it: the checksum field. */
uint16_t csum_fold(uint32_t sum);
/* Checksum of a buffer, ready to store (network order). */
uint16_t csum_buf(const void *buf, size_t len);
/* Partial sum of the TCP/UDP pseudo-header; saddr/daddr in network order. */
uint32_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t l4len);

/* RFC 1624 updates of a stored checksum *sum when a 16-bit or 32-bit field
 * changes from old to new (all in network order). */
void csum_replace2(uint16_t *sum, uint16_t old, uint16_t new_);
void csum_replace4(uint16_t *sum, uint32_t old, uint32_t new_);

#endif
