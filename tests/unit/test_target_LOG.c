// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LOG: the line, byte for byte against lines the kernel wrote for the same
 * packets, then the option text and the rate limit.
 *
 * The vectors come from Linux 6.18 (nf_log_syslog) with iptables 1.8.9
 * (nft back end): packets written into TUN tl0 of a namespace router
 * (tl0 10.1.0.1/24, tl1 10.2.0.1/24, forwarding on) with
 *   -t raw    -A PREROUTING  -j LOG --log-prefix PRE: --log-tcp-sequence
 *                            --log-tcp-options --log-ip-options
 *   -t mangle -A FORWARD -p udp --dport 53 -j MARK --set-mark 0xab
 *   -t mangle -A FORWARD     -j LOG --log-prefix FWD: --log-level 6
 *   -t mangle -A OUTPUT      -j LOG --log-prefix OUT: --log-uid --log-macdecode
 *   -t mangle -A INPUT       -j LOG --log-prefix IN: --log-macdecode
 *   -t mangle -A POSTROUTING -p icmp -j LOG
 * and the lines read from the kernel log (level and timestamp taken off).
 * Forwarded packets are seen with the TTL the router lowered.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/log.h"
#include "tables/target_LOG.h"
#include "target_harness.h"

#define SEQ_OPT_IPOPT (TARGET_LOG_TCPSEQ | TARGET_LOG_TCPOPT | TARGET_LOG_IPOPT)

struct log_vector {
	const char *name;
	int level;           /* the kernel line's level */
	const char *prefix;
	unsigned int flags;
	const char *in, *out;
	uint32_t mark;
	const char *pkt;
	const char *line;
};

static const struct log_vector vectors[] = {
	{ "echo", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500005404d24000400121d10a0100020a0200020800caca0007000178787878"
		"7878787878787878787878787878787878787878787878787878787878787878"
		"7878787878787878787878787878787878787878",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=84 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1 " },
	{ "echo", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500005404d240003f0121d10a0100020a0200020800caca0007000178787878"
		"7878787878787878787878787878787878787878787878787878787878787878"
		"7878787878787878787878787878787878787878",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=84 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1 " },
	{ "echo", 4, "", 0, "tl0", "tl1", 0x0,
		"4500005404d240003f0121d10a0100020a0200020800caca0007000178787878"
		"7878787878787878787878787878787878787878787878787878787878787878"
		"7878787878787878787878787878787878787878",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=84 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1 " },
	{ "syn-opts", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4510003c04d20000400661d40a0100020a0200029c4000161122334400000000"
		"a002faf0760a0000020405b40402080a0001e2400000000001030307",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=60 TOS=0x10 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=TCP SPT=40000 DPT=22 SEQ=287454020 ACK=0 WINDO"
		"W=64240 RES=0x00 SYN URGP=0 OPT (020405B40402080A0001E2400000000001030"
		"307) " },
	{ "syn-opts", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4510003c04d200003f0661d40a0100020a0200029c4000161122334400000000"
		"a002faf0760a0000020405b40402080a0001e2400000000001030307",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=60 TOS=0x10 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 "
		"SYN URGP=0 " },
	{ "tcp-flags", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"45bb002804d200004006613d0a0100020a020002000100020000000500000006"
		"5ffd00008bca0009",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x1A PREC=0x"
		"A0 TTL=64 ID=1234 PROTO=TCP SPT=1 DPT=2 SEQ=5 ACK=6 WINDOW=0 RES=0x38 "
		"AE CWR ECE URG ACK PSH RST FIN URGP=9 " },
	{ "tcp-flags", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"45bb002804d200003f06613d0a0100020a020002000100020000000500000006"
		"5ffd00008bca0009",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x1A PREC"
		"=0xA0 TTL=63 ID=1234 PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x38 AE CWR EC"
		"E URG ACK PSH RST FIN URGP=9 " },
	{ "tcp-ae", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002804d20000400661f80a0100020a020002000100020000000500000006"
		"5110000a9ab60000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=TCP SPT=1 DPT=2 SEQ=5 ACK=6 WINDOW=10 RES=0x00"
		" AE ACK URGP=0 " },
	{ "tcp-ae", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002804d200003f0661f80a0100020a020002000100020000000500000006"
		"5110000a9ab60000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=TCP SPT=1 DPT=2 WINDOW=10 RES=0x00 AE ACK U"
		"RGP=0 " },
	{ "udp", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002104d20000401161f40a0100020a02000213880035000d943e68656c6c"
		"6f",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=33 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=UDP SPT=5000 DPT=53 LEN=13 " },
	{ "udp", 6, "FWD:", 0, "tl0", "tl1", 0xab,
		"4500002104d200003f1161f40a0100020a02000213880035000d943e68656c6c"
		"6f",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=33 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=UDP SPT=5000 DPT=53 LEN=13 MARK=0xab " },
	{ "udplite", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002104d200004088617d0a0100020a02000213880035000d943e68656c6c"
		"6f",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=33 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=UDPLITE SPT=5000 DPT=53 LEN=13 " },
	{ "udplite", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002104d200003f88617d0a0100020a02000213880035000d943e68656c6c"
		"6f",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=33 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=UDPLITE SPT=5000 DPT=53 LEN=13 " },
	{ "unreach", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500003804d20000400161ed0a0100020a0200020303c2e00000000045000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.2.0.2 DST=10.9.9.9 "
		"LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=UDP SPT=5353 DPT=53 LEN=2"
		"0 ] " },
	{ "unreach", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a0200020303c2e00000000045000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.2.0.2 DST=10.9.9"
		".9 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=UDP SPT=5353 DPT=53 LE"
		"N=20 ] " },
	{ "unreach", 4, "", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a0200020303c2e00000000045000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.2.0.2 DST=10.9.9.9 L"
		"EN=40 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=UDP SPT=5353 DPT=53 LEN=20"
		" ] " },
	{ "fragneeded", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500003804d20000400161ed0a0100020a02000203045a840000057845000028"
		"004e00004006667c0a0200020a01000200509c400000006f",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=3 CODE=4 [SRC=10.2.0.2 DST=10.1.0.2 "
		"LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=78 PROTO=TCP INCOMPLETE [8 bytes] "
		"] MTU=1400 " },
	{ "fragneeded", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a02000203045a840000057845000028"
		"004e00004006667c0a0200020a01000200509c400000006f",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=3 CODE=4 [SRC=10.2.0.2 DST=10.1.0"
		".2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=78 PROTO=TCP INCOMPLETE [8 byte"
		"s] ] MTU=1400 " },
	{ "fragneeded", 4, "", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a02000203045a840000057845000028"
		"004e00004006667c0a0200020a01000200509c400000006f",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=3 CODE=4 [SRC=10.2.0.2 DST=10.1.0.2 L"
		"EN=40 TOS=0x00 PREC=0x00 TTL=64 ID=78 PROTO=TCP INCOMPLETE [8 bytes] ]"
		" MTU=1400 " },
	{ "timeexc", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500004404d20000400161e10a0100020a0200020b0009210000000045000028"
		"004e00004006667c0a0200020a01000200509c400000006f000000de501203e8"
		"fa060000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=68 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=11 CODE=0 [SRC=10.2.0.2 DST=10.1.0.2"
		" LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=78 PROTO=TCP SPT=80 DPT=40000 SEQ"
		"=111 ACK=222 WINDOW=1000 RES=0x00 ACK SYN URGP=0 ] " },
	{ "timeexc", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500004404d200003f0161e10a0100020a0200020b0009210000000045000028"
		"004e00004006667c0a0200020a01000200509c400000006f000000de501203e8"
		"fa060000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=68 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=11 CODE=0 [SRC=10.2.0.2 DST=10.1."
		"0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=78 PROTO=TCP SPT=80 DPT=40000 "
		"WINDOW=1000 RES=0x00 ACK SYN URGP=0 ] " },
	{ "timeexc", 4, "", 0, "tl0", "tl1", 0x0,
		"4500004404d200003f0161e10a0100020a0200020b0009210000000045000028"
		"004e00004006667c0a0200020a01000200509c400000006f000000de501203e8"
		"fa060000",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=68 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=11 CODE=0 [SRC=10.2.0.2 DST=10.1.0.2 "
		"LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=78 PROTO=TCP SPT=80 DPT=40000 WIND"
		"OW=1000 RES=0x00 ACK SYN URGP=0 ] " },
	{ "paramprob", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500003804d20000400161ed0a0100020a0200020c00a5e31400000045000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=12 CODE=0 PARAMETER=20 " },
	{ "paramprob", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a0200020c00a5e31400000045000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=12 CODE=0 PARAMETER=20 " },
	{ "paramprob", 4, "", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a0200020c00a5e31400000045000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=12 CODE=0 PARAMETER=20 " },
	{ "redirect", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500003804d20000400161ed0a0100020a0200020501b6d80a01000945000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=5 CODE=1 GATEWAY=10.1.0.9 [SRC=10.2."
		"0.2 DST=10.9.9.9 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=UDP SPT="
		"5353 DPT=53 LEN=20 ] " },
	{ "redirect", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a0200020501b6d80a01000945000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=5 CODE=1 GATEWAY=10.1.0.9 [SRC=10"
		".2.0.2 DST=10.9.9.9 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=UDP S"
		"PT=5353 DPT=53 LEN=20 ] " },
	{ "redirect", 4, "", 0, "tl0", "tl1", 0x0,
		"4500003804d200003f0161ed0a0100020a0200020501b6d80a01000945000028"
		"004d000040115d630a0200020a09090914e90035001424ea",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=56 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=5 CODE=1 GATEWAY=10.1.0.9 [SRC=10.2.0"
		".2 DST=10.9.9.9 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=UDP SPT=5"
		"353 DPT=53 LEN=20 ] " },
	{ "unreach-short", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002604d20000400161ff0a0100020a020002030177780000000045000028"
		"004d00004011",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=38 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=3 CODE=1 INCOMPLETE [18 bytes] " },
	{ "unreach-short", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002604d200003f0161ff0a0100020a020002030177780000000045000028"
		"004d00004011",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=38 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=3 CODE=1 INCOMPLETE [18 bytes] " },
	{ "unreach-short", 4, "", 0, "tl0", "tl1", 0x0,
		"4500002604d200003f0161ff0a0100020a020002030177780000000045000028"
		"004d00004011",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=38 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=3 CODE=1 INCOMPLETE [18 bytes] " },
	{ "tstamp", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002804d20000400161fd0a0100020a0200020d00f2f80003000400000000"
		"0000000000000000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=13 CODE=0 " },
	{ "tstamp", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002804d200003f0161fd0a0100020a0200020d00f2f80003000400000000"
		"0000000000000000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=13 CODE=0 " },
	{ "tstamp", 4, "", 0, "tl0", "tl1", 0x0,
		"4500002804d200003f0161fd0a0100020a0200020d00f2f80003000400000000"
		"0000000000000000",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=13 CODE=0 " },
	{ "tstamp-short", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002004d20000400162050a0100020a0200020d00f2f80003000400000000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=32 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=13 CODE=0 INCOMPLETE [12 bytes] " },
	{ "tstamp-short", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002004d200003f0162050a0100020a0200020d00f2f80003000400000000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=32 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=13 CODE=0 INCOMPLETE [12 bytes] " },
	{ "tstamp-short", 4, "", 0, "tl0", "tl1", 0x0,
		"4500002004d200003f0162050a0100020a0200020d00f2f80003000400000000",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=32 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=13 CODE=0 INCOMPLETE [12 bytes] " },
	{ "icmp-unknown", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001e04d20000400162070a0100020a0200022a0796b7616263647a7a",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=30 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=42 CODE=7 " },
	{ "icmp-unknown", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001e04d200003f0162070a0100020a0200022a0796b7616263647a7a",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=30 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP TYPE=42 CODE=7 " },
	{ "icmp-unknown", 4, "", 0, "tl0", "tl1", 0x0,
		"4500001e04d200003f0162070a0100020a0200022a0796b7616263647a7a",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=30 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP TYPE=42 CODE=7 " },
	{ "icmp-trunc", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001704d200004001620e0a0100020a020002080000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP INCOMPLETE [3 bytes] " },
	{ "icmp-trunc", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001704d200003f01620e0a0100020a020002080000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ICMP INCOMPLETE [3 bytes] " },
	{ "icmp-trunc", 4, "", 0, "tl0", "tl1", 0x0,
		"4500001704d200003f01620e0a0100020a020002080000",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=1234 PROTO=ICMP INCOMPLETE [3 bytes] " },
	{ "frag-first", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002c03e72000401142d40a0100020a020002138800350028c1c461616161"
		"616161616161616161616161",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=44 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=999 MF PROTO=UDP SPT=5000 DPT=53 LEN=40 " },
	{ "frag-first", 6, "FWD:", 0, "tl0", "tl1", 0xab,
		"4500002c03e720003f1142d40a0100020a020002138800350028c1c461616161"
		"616161616161616161616161",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=44 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=999 MF PROTO=UDP SPT=5000 DPT=53 LEN=40 MARK=0xab " },
	{ "frag-later", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002403e72003401142d90a0100020a020002626262626262626262626262"
		"62626262",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=36 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=999 MF FRAG:3 PROTO=UDP " },
	{ "frag-later", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002403e720033f1142d90a0100020a020002626262626262626262626262"
		"62626262",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=36 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=999 MF FRAG:3 PROTO=UDP " },
	{ "frag-last-tcp", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001c03e60005400662eb0a0100020a0200026363636363636363",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=998 FRAG:5 PROTO=TCP " },
	{ "frag-last-tcp", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001c03e600053f0662eb0a0100020a0200026363636363636363",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=998 FRAG:5 PROTO=TCP " },
	{ "frag-icmp", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001c03e50002400162f40a0100020a0200026464646464646464",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=997 FRAG:2 PROTO=ICMP " },
	{ "frag-icmp", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001c03e500023f0162f40a0100020a0200026464646464646464",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=997 FRAG:2 PROTO=ICMP " },
	{ "frag-icmp", 4, "", 0, "tl0", "tl1", 0x0,
		"4500001c03e500023f0162f40a0100020a0200026464646464646464",
		"IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC=0x0"
		"0 TTL=63 ID=997 FRAG:2 PROTO=ICMP " },
	{ "frag-ah", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001c03e40002403362c30a0100020a0200026565656565656565",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=996 FRAG:2 " },
	{ "frag-ah", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001c03e400023f3362c30a0100020a0200026565656565656565",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=996 FRAG:2 " },
	{ "frag-esp", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001c03e30002403262c50a0100020a0200026565656565656565",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=995 FRAG:2 PROTO=ESP " },
	{ "frag-esp", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001c03e300023f3262c50a0100020a0200026565656565656565",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=995 FRAG:2 PROTO=ESP " },
	{ "tcp-trunc", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001e04d20000400662020a0100020a0200020102030405060708090a",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=30 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=TCP INCOMPLETE [10 bytes] " },
	{ "tcp-trunc", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001e04d200003f0662020a0100020a0200020102030405060708090a",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=30 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=TCP INCOMPLETE [10 bytes] " },
	{ "udp-trunc", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001704d20000401161fe0a0100020a020002010203",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=UDP INCOMPLETE [3 bytes] " },
	{ "udp-trunc", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001704d200003f1161fe0a0100020a020002010203",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=UDP INCOMPLETE [3 bytes] " },
	{ "ipopts", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4700002504d200004011c9ea0a0100020a020002010101009404000000070009"
		"00097cc56f",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=37 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 OPT (0101010094040000) PROTO=UDP SPT=7 DPT=9 LEN=9 " },
	{ "ipopts", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4700002504d200003f11c9ea0a0100020a020002010101009404000000070009"
		"00097cc56f",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=37 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=UDP SPT=7 DPT=9 LEN=9 " },
	{ "proto253", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001704d2000040fd61120a0100020a02000278797a",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=253 " },
	{ "proto253", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001704d200003ffd61120a0100020a02000278797a",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=23 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=253 " },
	{ "ah", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002c04d20000403361c70a0100020a02000204040000deadbeef00000000"
		"000000000000000000000000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=44 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=AH SPI=0xdeadbeef " },
	{ "ah", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002c04d200003f3361c70a0100020a02000204040000deadbeef00000000"
		"000000000000000000000000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=44 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=AH SPI=0xdeadbeef " },
	{ "esp", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002c04d20000403261c80a0100020a020002010203040000000100000000"
		"000000000000000000000000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=44 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ESP SPI=0x1020304 " },
	{ "esp", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002c04d200003f3261c80a0100020a020002010203040000000100000000"
		"000000000000000000000000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=44 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=ESP SPI=0x1020304 " },
	{ "ah-trunc", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001604d20000403361dd0a0100020a0200020000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=22 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=AH INCOMPLETE [2 bytes] " },
	{ "ah-trunc", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001604d200003f3361dd0a0100020a0200020000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=22 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=AH INCOMPLETE [2 bytes] " },
	{ "ce-bit", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500001c04d2c0004011a1f80a0100020a020002000100020008ebd4",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 CE DF PROTO=UDP SPT=1 DPT=2 LEN=8 " },
	{ "ce-bit", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500001c04d2c0003f11a1f80a0100020a020002000100020008ebd4",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=28 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 CE DF PROTO=UDP SPT=1 DPT=2 LEN=8 " },
	{ "tcp-doff-big", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002804d20000400661f80a0100020a020002000100020000000100000002"
		"6002000584150000",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=TCP SPT=1 DPT=2 SEQ=1 ACK=2 WINDOW=5 RES=0x00 "
		"SYN URGP=0 OPT (TRUNCATED)" },
	{ "tcp-doff-big", 6, "FWD:", 0, "tl0", "tl1", 0x0,
		"4500002804d200003f0661f80a0100020a020002000100020000000100000002"
		"6002000584150000",
		"FWD:IN=tl0 OUT=tl1 MAC= SRC=10.1.0.2 DST=10.2.0.2 LEN=40 TOS=0x00 PREC"
		"=0x00 TTL=63 ID=1234 PROTO=TCP SPT=1 DPT=2 WINDOW=5 RES=0x00 SYN URGP="
		"0 " },
	{ "echo-local", 4, "PRE:", SEQ_OPT_IPOPT, "tl0", NULL, 0x0,
		"4500002404d20000400162030a0100020a010001080036330009000270707070"
		"70707070",
		"PRE:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.1.0.1 LEN=36 TOS=0x00 PREC=0x"
		"00 TTL=64 ID=1234 PROTO=ICMP TYPE=8 CODE=0 ID=9 SEQ=2 " },
	{ "echo-local", 4, "IN:", TARGET_LOG_MACDECODE, "tl0", NULL, 0x0,
		"4500002404d20000400162030a0100020a010001080036330009000270707070"
		"70707070",
		"IN:IN=tl0 OUT= MAC= SRC=10.1.0.2 DST=10.1.0.1 LEN=36 TOS=0x00 PREC=0x0"
		"0 TTL=64 ID=1234 PROTO=ICMP TYPE=8 CODE=0 ID=9 SEQ=2 " },
	{ "echo-local", 4, "OUT:", TARGET_LOG_UID | TARGET_LOG_MACDECODE, NULL, "tl0", 0x0,
		"45000024195a000040014d7b0a0100010a01000200003e330009000270707070"
		"70707070",
		"OUT:IN= OUT=tl0 SRC=10.1.0.1 DST=10.1.0.2 LEN=36 TOS=0x00 PREC=0x00 TT"
		"L=64 ID=6490 PROTO=ICMP TYPE=0 CODE=0 ID=9 SEQ=2 " },
	{ "echo-local", 4, "", 0, NULL, "tl0", 0x0,
		"45000024195a000040014d7b0a0100010a01000200003e330009000270707070"
		"70707070",
		"IN= OUT=tl0 SRC=10.1.0.1 DST=10.1.0.2 LEN=36 TOS=0x00 PREC=0x00 TTL=64"
		" ID=6490 PROTO=ICMP TYPE=0 CODE=0 ID=9 SEQ=2 " },
};

Test(target_LOG, lines_as_the_kernel_writes_them)
{
	static uint8_t pkt[2048];
	char line[TARGET_LOG_LINE_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct log_vector *v = &vectors[i];
		struct target_log_line l = {
			.prefix = v->prefix, .flags = v->flags, .in = v->in, .out = v->out,
			.pkt = pkt, .mark = v->mark,
		};
		size_t n;

		l.len = th_hex(v->pkt, pkt, sizeof(pkt));
		n = target_LOG_format(line, sizeof(line), &l);
		cr_expect_str_eq(line, v->line, "%s (%s)", v->name, v->prefix);
		cr_expect_eq(n, strlen(v->line), "%s: length", v->name);
	}
}

Test(target_LOG, short_buffer_is_cut_and_terminated)
{
	const struct log_vector *v = &vectors[0];
	static uint8_t pkt[2048];
	struct target_log_line l = { .prefix = v->prefix, .flags = v->flags, .in = v->in,
				     .out = v->out, .pkt = pkt };
	char buf[16];

	l.len = th_hex(v->pkt, pkt, sizeof(pkt));
	memset(buf, 'x', sizeof(buf));
	cr_expect_eq(target_LOG_format(buf, sizeof(buf), &l), strlen(v->line));
	cr_expect_eq(memcmp(buf, v->line, 15), 0);
	cr_expect_eq(buf[15], '\0');
	cr_expect_eq(target_LOG_format(buf, 0, &l), strlen(v->line));
}

/* Whatever the bytes, the line is bounded and terminated (the kernel's
 * worst case is about 830 characters with a full prefix). */
Test(target_LOG, random_packets_stay_in_bounds)
{
	static uint8_t pkt[200];
	char line[TARGET_LOG_LINE_MAX];
	unsigned int i, j;

	srand(7);
	for (i = 0; i < 20000; i++) {
		struct target_log_line l = {
			.prefix = "12345678901234567890123456789", .flags = 0x2f,
			.in = "abcdefghijklmno", .out = "abcdefghijklmno", .pkt = pkt,
			.mark = (uint32_t)rand(),
		};
		size_t n;

		for (j = 0; j < sizeof(pkt); j++)
			pkt[j] = (uint8_t)rand();
		/* Mostly plausible headers, so that the deep paths run. */
		pkt[0] = (uint8_t)(0x40 | (5 + rand() % 11));
		pkt[9] = (uint8_t[]){ 1, 6, 17, 51, 50, 136 }[rand() % 6];
		pkt[20 + (pkt[0] & 0xf) * 4 - 20] = (uint8_t)(rand() % 19);
		l.len = (size_t)(rand() % (int)sizeof(pkt));
		n = target_LOG_format(line, sizeof(line), &l);
		cr_assert_lt(n, 900);
		cr_assert_eq(strlen(line), n);
	}
}

/* ---- options ---- */

static void expect_print(const char *text, const char *saved)
{
	char *s = th_roundtrip("LOG", text);

	cr_expect_str_eq(s, saved, "LOG %s", text);
	free(s);
}

Test(target_LOG, levels)
{
	static const char *const in[] = { "emerg", "panic", "alert", "crit", "error",
					  "warning", "notice", "info", "debug" };
	static const char *const out[] = { " --log-level 0", " --log-level 0", " --log-level 1",
					   " --log-level 2", " --log-level 3", "",
					   " --log-level 5", " --log-level 6", " --log-level 7" };
	char text[64];
	unsigned int i;

	expect_print("", "");
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snprintf(text, sizeof(text), "--log-level %s", in[i]);
		expect_print(text, out[i]);
	}
	for (i = 0; i < 8; i++) {
		char want[32];

		snprintf(text, sizeof(text), "--log-level %u", i);
		snprintf(want, sizeof(want), i == 4 ? "" : " --log-level %u", i);
		expect_print(text, want);
	}
	expect_print("--log-level 0x3", " --log-level 3");
}

Test(target_LOG, prefix_is_saved_as_iptables_does)
{
	expect_print("--log-prefix hello", " --log-prefix hello");
	expect_print("--log-prefix \"hello \"", " --log-prefix \"hello \"");
	expect_print("--log-prefix \"a\\\"b\"", " --log-prefix \"a\\\"b\"");
	expect_print("--log-prefix \"q'uote\"", " --log-prefix \"q\\'uote\"");
	expect_print("--log-prefix \"back\\\\slash\"", " --log-prefix \"back\\\\slash\"");
	expect_print("--log-prefix PRE:", " --log-prefix \"PRE:\"");
	expect_print("--log-prefix \"[fw] drop: \" --log-level 6",
		     " --log-prefix \"[fw] drop: \" --log-level 6");
	/* 30 characters: cut to the kernel's 29, as iptables does. */
	expect_print("--log-prefix 123456789012345678901234567890",
		     " --log-prefix 12345678901234567890123456789");
}

Test(target_LOG, flags_in_iptables_order)
{
	expect_print("--log-macdecode --log-uid --log-ip-options --log-tcp-options "
		     "--log-tcp-sequence --log-prefix x --log-level 1",
		     " --log-prefix x --log-level 1 --log-tcp-sequence --log-tcp-options "
		     "--log-ip-options --log-uid --log-macdecode");
	expect_print("--log-tcp-options", " --log-tcp-options");
}

Test(target_LOG, bad_options)
{
	cr_expect_str_eq(th_error("LOG", "--log-level foo"), "log level \"foo\" unknown");
	cr_expect_str_eq(th_error("LOG", "--log-level 8"), "log level \"8\" unknown");
	cr_expect_str_eq(th_error("LOG", "--log-level DEBUG"), "log level \"DEBUG\" unknown");
	cr_expect_str_eq(th_error("LOG", "--log-level err"), "log level \"err\" unknown");
	cr_expect_str_eq(th_error("LOG", "--log-level warn"), "log level \"warn\" unknown");
	cr_expect_str_eq(th_error("LOG", "--log-prefix \"a\nb\""),
			 "Newlines not allowed in --log-prefix");
	cr_expect_str_eq(th_error("LOG", "--log-prefix \"\""),
			 "--log-prefix: argument must have a minimum length of 1 characters");
	cr_expect_str_eq(th_error("LOG", "--log-level 1 --log-level 2"),
			 "LOG: option \"--log-level\" can only be used once");
	cr_expect_str_eq(th_error("LOG", "--log-uid --log-uid"),
			 "LOG: option \"--log-uid\" can only be used once");
	cr_expect_str_eq(th_error("LOG", "--log-prefix a --log-prefix b"),
			 "LOG: option \"--log-prefix\" can only be used once");
}

/* ---- the target ---- */

static void log_setup(void)
{
	th_router_setup();
	cr_redirect_stderr();
}

TestSuite(target_LOG_run, .init = log_setup, .fini = th_router_teardown);

static struct pkt *echo_pkt(void)
{
	static const uint8_t echo[16] = { 8, 0, 0xf7, 0xf5, 0, 7, 0, 1 };
	struct pkt *p = th_pkt("10.1.0.2", "10.2.0.2", 1, 0, 63, 0x4000, echo, sizeof(echo));

	p->iif = 0;
	p->oif = 1;
	return p;
}

Test(target_LOG_run, writes_the_line_and_continues)
{
	struct th_target t;
	struct xt_ctx ctx;
	struct pkt *p = echo_pkt();

	cr_assert_eq(th_parse(&t, "LOG", "--log-prefix \"fw: \" --log-level 6"), 0);
	ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_FILTER);
	p->mark = 0x10;
	cr_expect_eq(th_run(&t, &ctx), XT_CONTINUE);
	pkt_free(&th_r.pool, p);
	th_free(&t);
	fflush(stderr);
	cr_expect_stderr_eq_str("<6>tunfilterd: fw: IN=if0 OUT=if1 MAC= SRC=10.1.0.2 "
				"DST=10.2.0.2 LEN=36 TOS=0x00 PREC=0x00 TTL=63 ID=4660 DF "
				"PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1 MARK=0x10 \n");
}

Test(target_LOG_run, ten_a_second_per_rule_and_the_loss_is_told)
{
	struct th_target t;
	struct xt_ctx ctx;
	struct pkt *p = echo_pkt();
	unsigned int i;
	char want[4096] = "", line[256];

	cr_assert_eq(th_parse(&t, "LOG", "--log-prefix x"), 0);
	ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_FILTER);
	for (i = 0; i < 25; i++)
		th_run(&t, &ctx);
	router_set_clock(&th_r, th_r.now_ms + 1000, 0);
	th_run(&t, &ctx);
	/* A dry run neither writes nor takes a token. */
	ctx.dry_run = true;
	for (i = 0; i < 20; i++)
		th_run(&t, &ctx);
	pkt_free(&th_r.pool, p);
	th_free(&t);
	snprintf(line, sizeof(line), "<4>tunfilterd: xIN=if0 OUT=if1 MAC= SRC=10.1.0.2 "
		 "DST=10.2.0.2 LEN=36 TOS=0x00 PREC=0x00 TTL=63 ID=4660 DF PROTO=ICMP TYPE=8 "
		 "CODE=0 ID=7 SEQ=1 \n");
	for (i = 0; i < 10; i++)
		strcat(want, line);
	strcat(want, "<4>tunfilterd: LOG: 15 lines of TEST rule 1 lost to the rate limit\n");
	strcat(want, line);
	fflush(stderr);
	cr_expect_stderr_eq_str(want);
}
