/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The LOG target's line, as the kernel's nf_log_syslog.c writes it
 * (nf_log_ip_packet: nf_log_dump_packet_common, dump_mac_header,
 * dump_ipv4_packet), so that tools written against kernel LOG lines
 * (fail2ban filters, psad, log parsers) read ours unchanged:
 *
 *   PREFIXIN=lan0 OUT=wan0 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=84 TOS=0x00
 *   PREC=0x00 TTL=63 ID=1234 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1
 *
 * (one line, ending with a space as the kernel's does). "MAC=" is written
 * whenever there is an input interface: a TUN has no link header, so it
 * stays empty, as the kernel writes it for a TUN (--log-macdecode changes
 * nothing there either). UID=/GID= need a local socket: the router has
 * none, so --log-uid prints nothing, as the kernel prints nothing for
 * forwarded packets or those its own control sockets send.
 */
#ifndef TF_TABLES_TARGET_LOG_H
#define TF_TABLES_TARGET_LOG_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's xt_log_info.prefix is 30 bytes with its NUL. */
#define TARGET_LOG_PREFIX_MAX 29u
/* The kernel formats into a buffer of about 1 KiB; the longest line
 * (IP+ICMP+IP+TCP with options, both names, prefix) fits. */
#define TARGET_LOG_LINE_MAX 1024u

/* --log-* flags, valued as the kernel's XT_LOG_* / NF_LOG_*. */
enum {
	TARGET_LOG_TCPSEQ = 0x01,
	TARGET_LOG_TCPOPT = 0x02,
	TARGET_LOG_IPOPT = 0x04,
	TARGET_LOG_UID = 0x08,
	TARGET_LOG_MACDECODE = 0x20,
};

struct target_log_line {
	const char *prefix;   /* --log-prefix, "" for none */
	unsigned int flags;   /* TARGET_LOG_* */
	const char *in;       /* input interface name, NULL for none */
	const char *out;      /* output interface name, NULL for none */
	const uint8_t *pkt;   /* the IPv4 header */
	size_t len;           /* bytes at pkt */
	uint32_t mark;
};

/*
 * Write the line for l into buf (size bytes, always NUL-terminated when
 * size > 0, cut short when too small). Pure: no allocation, no locale, no
 * clock. Returns the length of the whole line, as snprintf does.
 */
size_t target_LOG_format(char *buf, size_t size, const struct target_log_line *l);

#endif
