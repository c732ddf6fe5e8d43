// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Configuration tests: every bad input against its exact message (golden
 * errors, "FILE" standing for the temporary file's path), the values and
 * defaults of good files, the lab configuration in etc/, and random
 * corruptions of a good file that must load or fail with a FILE:LINE
 * message, never crash.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/config.h"

/* inih's line buffer in Debian is 200 bytes: 197 characters plus "\r\n\0". */
#define MAX_LINE 197

#define IFACES "[interface lan0]\naddress = 10.1.0.1/24\n[interface wan0]\naddress = 10.2.0.1/24\n"

struct conf_file {
	char path[64];
};

static void conf_write_len(struct conf_file *cf, const char *text, size_t len)
{
	int fd;

	snprintf(cf->path, sizeof(cf->path), "/tmp/tf-test-config-XXXXXX");
	fd = mkstemp(cf->path);
	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Load text; the error with the file's path replaced by "FILE". */
static int conf_load_len(struct config *cfg, const char *text, size_t len, char *msg, size_t size)
{
	char err[CONFIG_ERR_MAX];
	struct conf_file cf;
	size_t plen;
	int rc;

	conf_write_len(&cf, text, len);
	memset(err, 'x', sizeof(err));
	rc = config_load(cfg, cf.path, err, sizeof(err));
	unlink(cf.path);
	plen = strlen(cf.path);
	if (!strncmp(err, cf.path, plen))
		snprintf(msg, size, "FILE%s", err + plen);
	else
		snprintf(msg, size, "%s", err);
	return rc;
}

static int conf_load(struct config *cfg, const char *text, char *msg, size_t size)
{
	return conf_load_len(cfg, text, strlen(text), msg, size);
}

static struct config *cfg_new(void)
{
	struct config *cfg = malloc(sizeof(*cfg));

	cr_assert_not_null(cfg);
	return cfg;
}

static void expect_error_len(const char *text, size_t len, const char *want, const char *what)
{
	struct config *cfg = cfg_new();
	char msg[CONFIG_ERR_MAX];
	int rc;

	rc = conf_load_len(cfg, text, len, msg, sizeof(msg));
	cr_expect_eq(rc, -EINVAL, "%s: rc %d", what, rc);
	cr_expect_str_eq(msg, want, "%s:\n   got: %s\n  want: %s", what, msg, want);
	cr_expect_null(cfg->routes, "%s: routes not freed", what);
	free(cfg);
}

static void expect_error(const char *text, const char *want)
{
	expect_error_len(text, strlen(text), want, text);
}

struct bad_case {
	const char *text;
	const char *want;
};

static void expect_errors(const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_error(c[i].text, c[i].want);
}

#define EXPECT_ERRORS(table) expect_errors(table, sizeof(table) / sizeof(table[0]))

static struct config *expect_ok(const char *text)
{
	struct config *cfg = cfg_new();
	char msg[CONFIG_ERR_MAX];
	int rc;

	rc = conf_load(cfg, text, msg, sizeof(msg));
	cr_assert_eq(rc, 0, "rc %d: %s\n--- input:\n%s", rc, msg, text);
	cr_assert_str_eq(msg, "", "no error leaves err empty");
	return cfg;
}

static void cfg_done(struct config *cfg)
{
	config_free(cfg);
	free(cfg);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "%s", s);
	return a.s_addr;
}

/* ---- reading the file ----------------------------------------------------- */

Test(config, file_errors)
{
	struct config *cfg = cfg_new();
	char err[CONFIG_ERR_MAX], dir[] = "/tmp/tf-test-config-XXXXXX";
	char want[CONFIG_ERR_MAX];

	cr_assert_eq(config_load(cfg, "/nonexistent/tunfilter.conf", err, sizeof(err)), -ENOENT);
	cr_expect_str_eq(err, "/nonexistent/tunfilter.conf: No such file or directory");

	cr_assert_not_null(mkdtemp(dir));
	cr_expect_eq(config_load(cfg, dir, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	cr_expect_str_eq(err, want);
	rmdir(dir);

	/* A small err buffer is truncated, not overrun; NULL is allowed. */
	cr_expect_eq(config_load(cfg, "/nonexistent/x", err, 5), -ENOENT);
	cr_expect_str_eq(err, "/non");
	cr_expect_eq(config_load(cfg, "/nonexistent/x", NULL, 0), -ENOENT);
	free(cfg);
}

Test(config, syntax_errors)
{
	static const struct bad_case c[] = {
		{ "[daemon]\nbatch\n" IFACES, "FILE:2: expected \"key = value\", got \"batch\"" },
		{ IFACES "mtu 1500\n", "FILE:5: expected \"key = value\", got \"mtu\"" },
		/* The first error wins, whichever of inih and us found it. */
		{ "[daemon]\nbatch\nfoo = 1\n", "FILE:2: expected \"key = value\", got \"batch\"" },
		{ "[daemon]\nfoo = 1\nbatch\n", "FILE:2: unknown key \"foo\" in [daemon]" },
		{ "[daemon]\nbatch\n[nope]\n", "FILE:2: expected \"key = value\", got \"batch\"" },
		{ "[daemon\n", "FILE:1: unterminated section header \"[daemon\"" },
		{ "[daemon] x\n", "FILE:1: unexpected \"x\" after section header" },
		{ "[daemons]\n" IFACES, "FILE:1: unknown section \"[daemons]\"" },
		{ IFACES "[ Routes ]\n", "FILE:5: unknown section \"[Routes]\"" },
		{ "[interfaces lan0]\n", "FILE:1: unknown section \"[interfaces lan0]\"" },
		{ "[routes extra]\n", "FILE:1: unknown section \"[routes extra]\"" },
		{ "[interface]\n", "FILE:1: missing interface name in \"[interface]\"" },
		{ "[interface   ]\n", "FILE:1: missing interface name in \"[interface]\"" },
		{ "batch = 1\n[daemon]\n", "FILE:1: key \"batch\" outside any section" },
		{ "# comment\n\n= 1\n", "FILE:3: key \"\" outside any section" },
		{ "[daemon]\n[daemon]\n", "FILE:2: duplicate section \"[daemon]\" (first at line 1)" },
		{ "[routes]\n[daemon]\n[routes]\n",
		  "FILE:3: duplicate section \"[routes]\" (first at line 1)" },
	};

	EXPECT_ERRORS(c);
}

Test(config, long_lines)
{
	char text[1024], want[128];
	struct config *cfg;
	int n;

	/* The longest line that fits, as a comment and as a value. */
	n = snprintf(text, sizeof(text), "#%0*d\n" IFACES, MAX_LINE - 1, 0);
	cr_assert_lt(n, (int)sizeof(text));
	cfg_done(expect_ok(text));
	snprintf(text, sizeof(text), "[daemon]\nrules = /%0*d\n" IFACES, MAX_LINE - 9, 0);
	cfg = expect_ok(text);
	cr_expect_eq(strlen(cfg->rules), MAX_LINE - 8);
	cfg_done(cfg);
	/* The line terminator does not count. */
	snprintf(text, sizeof(text), "#%0*d\r\n" IFACES, MAX_LINE - 1, 0);
	cfg_done(expect_ok(text));

	/* One more and the line is refused, not split in two. */
	snprintf(text, sizeof(text), "[daemon]\nrules = /%0*d\n" IFACES, MAX_LINE - 8, 0);
	snprintf(want, sizeof(want), "FILE:2: line too long (%d characters, at most %d)",
		 MAX_LINE + 1, MAX_LINE);
	expect_error(text, want);
	snprintf(text, sizeof(text), IFACES "#%0*d", 600, 0);
	snprintf(want, sizeof(want), "FILE:5: line too long (601 characters, at most %d)",
		 MAX_LINE);
	expect_error(text, want);
}

Test(config, nul_byte)
{
	static const char text[] = "[daemon]\nbat\0ch = 1\n";

	expect_error_len(text, sizeof(text) - 1, "FILE:2: NUL byte in line", "NUL");
}

/* ---- [daemon] ---------------------------------------------------------------- */

Test(config, daemon_keys_bad)
{
	static const struct bad_case c[] = {
		{ "[daemon]\nbatchx = 1\n", "FILE:2: unknown key \"batchx\" in [daemon]" },
		{ "[daemon]\nBatch = 1\n", "FILE:2: unknown key \"Batch\" in [daemon]" },
		{ "[daemon]\nmtu = 1500\n", "FILE:2: unknown key \"mtu\" in [daemon]" },
		{ "[daemon]\nbatch = 8\n\nbatch = 9\n",
		  "FILE:4: duplicate key \"batch\" in [daemon] (first at line 2)" },
		{ "[daemon]\ncontrol_socket = run/x.sock\n",
		  "FILE:2: bad value \"run/x.sock\" for control_socket "
		  "(expected an absolute path of at most 107 bytes)" },
		{ "[daemon]\ncontrol_socket =\n",
		  "FILE:2: bad value \"\" for control_socket "
		  "(expected an absolute path of at most 107 bytes)" },
		{ "[daemon]\ncontrol_socket = /run/tunfilter/"
		  "0123456789012345678901234567890123456789012345678901234567890123456789"
		  "01234567890123456789012\n", /* 108 bytes */
		  "FILE:2: bad value \"/run/tunfilter/"
		  "0123456789012345678901234567890123456789012345678901234567890123456789"
		  "01234567890123456789012\" for control_socket "
		  "(expected an absolute path of at most 107 bytes)" },
		{ "[daemon]\ncontrol_group = tf-no-such-group-here\n",
		  "FILE:2: unknown group \"tf-no-such-group-here\" for control_group" },
		{ "[daemon]\ncontrol_group = "
		  "g123456789012345678901234567890123456789012345678901234567890123\n",
		  "FILE:2: bad value "
		  "\"g123456789012345678901234567890123456789012345678901234567890123\" "
		  "for control_group (expected a group name of at most 63 bytes)" },
		{ "[daemon]\nlog_level = warn\n",
		  "FILE:2: bad value \"warn\" for log_level "
		  "(expected err, warning, notice, info or debug)" },
		{ "[daemon]\nbatch = 0\n", "FILE:2: bad value \"0\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch = 1025\n",
		  "FILE:2: bad value \"1025\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch = -1\n", "FILE:2: bad value \"-1\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch = +8\n", "FILE:2: bad value \"+8\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch = 8 packets\n",
		  "FILE:2: bad value \"8 packets\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch = 0x10\n",
		  "FILE:2: bad value \"0x10\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch =\n", "FILE:2: bad value \"\" for batch (expected 1 to 1024)" },
		{ "[daemon]\nbatch = 99999999999999999999999\n",
		  "FILE:2: bad value \"99999999999999999999999\" for batch (expected 1 to 1024)" },
		/* 2^64 + 8: must not wrap around to 8 */
		{ "[daemon]\nbatch = 18446744073709551624\n",
		  "FILE:2: bad value \"18446744073709551624\" for batch (expected 1 to 1024)" },
		{ "[daemon]\npacket_buffers = 255\n",
		  "FILE:2: bad value \"255\" for packet_buffers (expected 256 to 65536)" },
		{ "[daemon]\npacket_buffers = 65537\n",
		  "FILE:2: bad value \"65537\" for packet_buffers (expected 256 to 65536)" },
		{ "[daemon]\ndefrag = maybe\n",
		  "FILE:2: bad value \"maybe\" for defrag "
		  "(expected yes, no, on, off, true, false, 1 or 0)" },
		{ "[daemon]\ndefrag =\n",
		  "FILE:2: bad value \"\" for defrag "
		  "(expected yes, no, on, off, true, false, 1 or 0)" },
		{ "[daemon]\ndefrag_memory = 63K\n",
		  "FILE:2: bad value \"63K\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_memory = 65535\n",
		  "FILE:2: bad value \"65535\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_memory = 1025M\n",
		  "FILE:2: bad value \"1025M\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_memory = 4MB\n",
		  "FILE:2: bad value \"4MB\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_memory = 4T\n",
		  "FILE:2: bad value \"4T\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_memory = M\n",
		  "FILE:2: bad value \"M\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_memory = 18014398509481984G\n",
		  "FILE:2: bad value \"18014398509481984G\" for defrag_memory "
		  "(expected 64K to 1G bytes, with an optional K, M or G suffix)" },
		{ "[daemon]\ndefrag_timeout = 0\n",
		  "FILE:2: bad value \"0\" for defrag_timeout (expected 1 to 3600 seconds)" },
		{ "[daemon]\ndefrag_timeout = 3601\n",
		  "FILE:2: bad value \"3601\" for defrag_timeout (expected 1 to 3600 seconds)" },
		{ "[daemon]\ndefrag_timeout = 30s\n",
		  "FILE:2: bad value \"30s\" for defrag_timeout (expected 1 to 3600 seconds)" },
		{ "[daemon]\nicmp_ratelimit = 3600001\n",
		  "FILE:2: bad value \"3600001\" for icmp_ratelimit (expected 0 to 3600000 ms)" },
		{ "[daemon]\nicmp_msgs_per_sec = 1000001\n",
		  "FILE:2: bad value \"1000001\" for icmp_msgs_per_sec (expected 0 to 1000000)" },
		{ "[daemon]\nicmp_msgs_burst = 0\n",
		  "FILE:2: bad value \"0\" for icmp_msgs_burst (expected 1 to 1000000)" },
		{ "[daemon]\nicmp_ratemask = 0x100000000\n",
		  "FILE:2: bad value \"0x100000000\" for icmp_ratemask "
		  "(expected a number from 0 to 0xffffffff)" },
		{ "[daemon]\nicmp_ratemask = 4294967296\n",
		  "FILE:2: bad value \"4294967296\" for icmp_ratemask "
		  "(expected a number from 0 to 0xffffffff)" },
		{ "[daemon]\nicmp_ratemask = 0x\n",
		  "FILE:2: bad value \"0x\" for icmp_ratemask "
		  "(expected a number from 0 to 0xffffffff)" },
		{ "[daemon]\nicmp_ratemask = 0x18g\n",
		  "FILE:2: bad value \"0x18g\" for icmp_ratemask "
		  "(expected a number from 0 to 0xffffffff)" },
		{ "[daemon]\nicmp_ratemask = -1\n",
		  "FILE:2: bad value \"-1\" for icmp_ratemask "
		  "(expected a number from 0 to 0xffffffff)" },
	};

	EXPECT_ERRORS(c);
}

Test(config, socket_longest)
{
	/* 107 bytes and the terminating NUL fill sun_path. */
	struct config *cfg = expect_ok("[daemon]\ncontrol_socket = /run/tunfilter/"
				       "0123456789012345678901234567890123456789012345678901234567890"
				       "1234567890123456789012345678901\n" IFACES);

	cr_expect_eq(strlen(cfg->control_socket), 107);
	cfg_done(cfg);
}

Test(config, daemon_defaults)
{
	struct config *cfg = expect_ok(IFACES);

	cr_expect_str_eq(cfg->control_socket, "/run/tunfilter/control.sock");
	cr_expect_str_eq(cfg->control_group, "");
	cr_expect_eq(cfg->log_level, LOG_LVL_NOTICE);
	cr_expect_str_eq(cfg->rules, "");
	cr_expect_eq(cfg->batch, 64);
	cr_expect_eq(cfg->router.pool_size, 4096);
	cr_expect_eq(cfg->router.defrag, false);
	cr_expect_eq(cfg->router.defrag_cfg.max_memory, 4u << 20);
	cr_expect_eq(cfg->router.defrag_cfg.timeout_ms, 30000);
	cr_expect_eq(cfg->router.defrag_cfg.max_queues, 1024);
	cr_expect_eq(cfg->router.icmp.ratelimit_ms, 1000);
	cr_expect_eq(cfg->router.icmp.msgs_per_sec, 1000);
	cr_expect_eq(cfg->router.icmp.msgs_burst, 50);
	cr_expect_eq(cfg->router.icmp.ratemask, 0x1818);
	cr_expect_eq(cfg->n_routes, 0);
	cr_expect_null(cfg->routes);
	cfg_done(cfg);
}

Test(config, daemon_values)
{
	struct config *cfg = expect_ok("[daemon]\n"
				       "control_socket = /tmp/tf.sock\n"
				       "control_group = root\n"
				       "log_level = DEBUG\n"
				       "rules = /etc/tunfilter/rules.v4\n"
				       "batch = 1024\n"
				       "packet_buffers = 65536\n"
				       "defrag = On\n"
				       "defrag_memory = 64k\n"
				       "defrag_timeout = 3600\n"
				       "icmp_ratelimit = 0\n"
				       "icmp_msgs_per_sec = 0\n"
				       "icmp_msgs_burst = 1\n"
				       "icmp_ratemask = 0xFFFFFFFF\n" IFACES);

	cr_expect_str_eq(cfg->control_socket, "/tmp/tf.sock");
	cr_expect_str_eq(cfg->control_group, "root");
	cr_expect_eq(cfg->log_level, LOG_LVL_DEBUG);
	cr_expect_str_eq(cfg->rules, "/etc/tunfilter/rules.v4");
	cr_expect_eq(cfg->batch, 1024);
	cr_expect_eq(cfg->router.pool_size, 65536);
	cr_expect_eq(cfg->router.defrag, true);
	cr_expect_eq(cfg->router.defrag_cfg.max_memory, 65536);
	cr_expect_eq(cfg->router.defrag_cfg.timeout_ms, 3600000);
	cr_expect_eq(cfg->router.defrag_cfg.max_queues, 1024);
	cr_expect_eq(cfg->router.icmp.ratelimit_ms, 0);
	cr_expect_eq(cfg->router.icmp.msgs_per_sec, 0);
	cr_expect_eq(cfg->router.icmp.msgs_burst, 1);
	cr_expect_eq(cfg->router.icmp.ratemask, 0xffffffffu);
	cfg_done(cfg);
}

Test(config, value_forms)
{
	static const struct {
		const char *line;
		size_t off;
		uint32_t want;
	} c[] = {
		{ "defrag_memory = 1G", offsetof(struct config, router.defrag_cfg.max_memory),
		  1u << 30 },
		{ "defrag_memory = 3m", offsetof(struct config, router.defrag_cfg.max_memory),
		  3u << 20 },
		{ "defrag_memory = 100000", offsetof(struct config, router.defrag_cfg.max_memory),
		  100000 },
		{ "icmp_ratemask = 6168", offsetof(struct config, router.icmp.ratemask), 0x1818 },
		{ "icmp_ratemask = 0", offsetof(struct config, router.icmp.ratemask), 0 },
		{ "icmp_ratemask = 0x0", offsetof(struct config, router.icmp.ratemask), 0 },
		{ "icmp_ratemask = 0X00001818", offsetof(struct config, router.icmp.ratemask),
		  0x1818 },
		/* Decimal with a leading zero is decimal, not octal. */
		{ "icmp_ratemask = 010", offsetof(struct config, router.icmp.ratemask), 10 },
		{ "batch = 0001", offsetof(struct config, batch), 1 },
		{ "icmp_ratelimit = 3600000", offsetof(struct config, router.icmp.ratelimit_ms),
		  3600000 },
		{ "icmp_msgs_per_sec = 1000000", offsetof(struct config, router.icmp.msgs_per_sec),
		  1000000 },
		{ "icmp_msgs_burst = 1000000", offsetof(struct config, router.icmp.msgs_burst),
		  1000000 },
		{ "defrag_timeout = 1", offsetof(struct config, router.defrag_cfg.timeout_ms), 1000 },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct config *cfg;
		uint32_t v;

		snprintf(text, sizeof(text), "[daemon]\n%s\n" IFACES, c[i].line);
		cfg = expect_ok(text);
		memcpy(&v, (char *)cfg + c[i].off, sizeof(v));
		cr_expect_eq(v, c[i].want, "%s: %u", c[i].line, v);
		cfg_done(cfg);
	}
}

Test(config, bool_forms)
{
	static const char *const yes[] = { "yes", "on", "true", "1", "YES", "True" };
	static const char *const no[] = { "no", "off", "false", "0", "No", "OFF" };
	char text[512];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct config *cfg;

		snprintf(text, sizeof(text), "[daemon]\ndefrag = %s\n" IFACES, yes[i]);
		cfg = expect_ok(text);
		cr_expect(cfg->router.defrag, "%s", yes[i]);
		cfg_done(cfg);
		snprintf(text, sizeof(text), "[daemon]\ndefrag = %s\n" IFACES, no[i]);
		cfg = expect_ok(text);
		cr_expect(!cfg->router.defrag, "%s", no[i]);
		cfg_done(cfg);
	}
}

Test(config, log_levels)
{
	static const char *const names[] = { "err", "warning", "notice", "info", "debug" };
	char text[512];

	for (int l = LOG_LVL_ERR; l <= LOG_LVL_DEBUG; l++) {
		struct config *cfg;

		cr_expect_str_eq(config_log_level_name(l), names[l]);
		snprintf(text, sizeof(text), "[daemon]\nlog_level = %s\n" IFACES, names[l]);
		cfg = expect_ok(text);
		cr_expect_eq(cfg->log_level, (enum log_level)l);
		cfg_done(cfg);
	}
	cr_expect_str_eq(config_log_level_name((enum log_level)42), "unknown");
}

/* A relative rules path is taken from the config file's directory, whatever
 * the working directory and however the config's path was given. */
Test(config, rules_relative)
{
	char dir[] = "/tmp/tf-test-config-XXXXXX", path[PATH_MAX], want[PATH_MAX];
	char err[CONFIG_ERR_MAX], rel[PATH_MAX];
	struct config *cfg = cfg_new();
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/t.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("[daemon]\nrules = rules.v4\n" IFACES, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s/sub/rules.v4", dir);

	cr_assert_eq(config_load(cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(cfg->rules, want);
	cr_expect_str_eq(cfg->path, path);
	config_free(cfg);

	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(config_load(cfg, "sub/t.conf", err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(cfg->rules, want);
	cr_expect_str_eq(cfg->path, "sub/t.conf");
	config_free(cfg);

	snprintf(rel, sizeof(rel), "%s/sub", dir);
	cr_assert_eq(chdir(rel), 0);
	cr_assert_eq(config_load(cfg, "t.conf", err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(cfg->rules, want);
	config_free(cfg);

	/* From the root, the relative path has no leading "/". */
	cr_assert_eq(chdir("/"), 0);
	cr_assert_eq(config_load(cfg, path + 1, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(cfg->rules, want);
	config_free(cfg);

	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	free(cfg);
}

Test(config, rules_absolute_and_empty)
{
	struct config *cfg = expect_ok("[daemon]\nrules =\n" IFACES);

	cr_expect_str_eq(cfg->rules, "");
	cfg_done(cfg);
	cfg = expect_ok("[daemon]\nrules = /srv/r.v4\n" IFACES);
	cr_expect_str_eq(cfg->rules, "/srv/r.v4");
	cfg_done(cfg);
}

/* ---- [interface NAME] ------------------------------------------------------- */

Test(config, iface_bad)
{
	static const struct bad_case c[] = {
		{ "[interface lan0]\nmtux = 1500\n",
		  "FILE:2: unknown key \"mtux\" in [interface lan0]" },
		{ "[interface a/b]\n",
		  "FILE:1: bad interface name \"a/b\" "
		  "(1 to 15 characters, no \"/\", \":\" or white space)" },
		{ "[interface eth0:1]\n",
		  "FILE:1: bad interface name \"eth0:1\" "
		  "(1 to 15 characters, no \"/\", \":\" or white space)" },
		{ "[interface lan 0]\n",
		  "FILE:1: bad interface name \"lan 0\" "
		  "(1 to 15 characters, no \"/\", \":\" or white space)" },
		{ "[interface abcdefghijklmnop]\n",
		  "FILE:1: bad interface name \"abcdefghijklmnop\" "
		  "(1 to 15 characters, no \"/\", \":\" or white space)" },
		{ "[interface ..]\n",
		  "FILE:1: bad interface name \"..\" "
		  "(1 to 15 characters, no \"/\", \":\" or white space)" },
		{ IFACES "[interface lan0]\n",
		  "FILE:5: duplicate section \"[interface lan0]\" (first at line 1)" },
		{ "[interface lan0]\naddress = 10.1.0.1/24\nmtu = 1400\nmtu = 1500\n",
		  "FILE:4: duplicate key \"mtu\" in [interface lan0] (first at line 3)" },
		{ "[interface lan0]\naddress = 10.1.0.1\n",
		  "FILE:2: bad value \"10.1.0.1\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 10.1.0.1/33\n",
		  "FILE:2: bad value \"10.1.0.1/33\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 10.1.0.1/0\n",
		  "FILE:2: bad value \"10.1.0.1/0\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 10.1.0/24\n",
		  "FILE:2: bad value \"10.1.0/24\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 10.1.0.256/24\n",
		  "FILE:2: bad value \"10.1.0.256/24\" for address "
		  "(expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 224.0.0.1/24\n",
		  "FILE:2: bad value \"224.0.0.1/24\" for address "
		  "(expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 255.255.255.255/32\n",
		  "FILE:2: bad value \"255.255.255.255/32\" for address "
		  "(expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 127.0.0.1/8\n",
		  "FILE:2: bad value \"127.0.0.1/8\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = 0.1.2.3/8\n",
		  "FILE:2: bad value \"0.1.2.3/8\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\naddress = default\n",
		  "FILE:2: bad value \"default\" for address (expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\npeer_address = 10.1.0.2/24 x\n",
		  "FILE:2: bad value \"10.1.0.2/24 x\" for peer_address "
		  "(expected a unicast A.B.C.D/LEN)" },
		{ "[interface lan0]\nmtu = 9000000\n",
		  "FILE:2: bad value \"9000000\" for mtu (expected 68 to 65535)" },
		{ "[interface lan0]\nmtu = 67\n",
		  "FILE:2: bad value \"67\" for mtu (expected 68 to 65535)" },
		{ "[interface lan0]\nnetns = a/b\n",
		  "FILE:2: bad value \"a/b\" for netns "
		  "(expected a namespace name of at most 63 bytes, without \"/\")" },
		{ "[interface lan0]\nnetns = ..\n",
		  "FILE:2: bad value \"..\" for netns "
		  "(expected a namespace name of at most 63 bytes, without \"/\")" },
		{ "[interface lan0]\nnetns = "
		  "n123456789012345678901234567890123456789012345678901234567890123\n",
		  "FILE:2: bad value "
		  "\"n123456789012345678901234567890123456789012345678901234567890123\" "
		  "for netns (expected a namespace name of at most 63 bytes, without \"/\")" },
		{ "[interface lan0]\npeer_routes = 10.9.0.0/16, 10.8.0.0/33\n",
		  "FILE:2: bad prefix \"10.8.0.0/33\" (expected A.B.C.D/LEN or default)" },
		{ "[interface lan0]\npeer_routes = 10.9.0.0\n",
		  "FILE:2: bad prefix \"10.9.0.0\" (expected A.B.C.D/LEN or default)" },
		{ "[interface lan0]\npeer_routes = Default\n",
		  "FILE:2: bad prefix \"Default\" (expected A.B.C.D/LEN or default)" },
		{ "[interface lan0]\npeer_routes = 10.9.0.1/16\n",
		  "FILE:2: prefix \"10.9.0.1/16\" has host bits set (did you mean 10.9.0.0/16?)" },
		{ "[interface lan0]\npeer_routes = 10.0.0.0/8 default 0.0.0.0/0\n",
		  "FILE:2: duplicate prefix \"0.0.0.0/0\" in peer_routes" },
		{ "[interface lan0]\npeer_routes = 10.1.0.0/24,10.1.0.0/24\n",
		  "FILE:2: duplicate prefix \"10.1.0.0/24\" in peer_routes" },
		{ "[interface lan0]\npeer_routes = 1.0.0.0/8 2.0.0.0/8 3.0.0.0/8 4.0.0.0/8 5.0.0.0/8 "
		  "6.0.0.0/8 7.0.0.0/8 8.0.0.0/8 9.0.0.0/8 11.0.0.0/8 12.0.0.0/8 13.0.0.0/8 "
		  "14.0.0.0/8 15.0.0.0/8 16.0.0.0/8 17.0.0.0/8 18.0.0.0/8\n",
		  "FILE:2: too many peer_routes (at most 16)" },
	};

	EXPECT_ERRORS(c);
}

Test(config, iface_values)
{
	struct config *cfg = expect_ok("[interface lan0]\n"
				       "address = 10.1.0.1/24\n"
				       "mtu = 68\n"
				       "netns = tflab-lan\n"
				       "peer_address = 10.1.0.2/24\n"
				       "peer_routes = default, 10.9.0.0/16 10.8.0.0/15,,10.7.7.7/32\n"
				       "[interface w.an-0_x]\n"
				       "address = 192.168.7.1/32\n"
				       "mtu = 65535\n"
				       "[interface empty_peers]\n"
				       "address = 172.16.0.1/12\n"
				       "peer_routes =\n");
	const struct config_iface *lan, *wan, *e;

	cr_assert_eq(cfg->n_ifaces, 3);
	lan = config_iface_find(cfg, "lan0");
	wan = config_iface_find(cfg, "w.an-0_x");
	e = config_iface_find(cfg, "empty_peers");
	cr_assert(lan == &cfg->ifaces[0] && wan == &cfg->ifaces[1] && e == &cfg->ifaces[2]);
	cr_expect_null(config_iface_find(cfg, "lan"));
	cr_expect_null(config_iface_find(cfg, "lan00"));

	cr_expect_str_eq(lan->name, "lan0");
	cr_expect_eq(lan->line, 1);
	cr_expect(lan->has_address);
	cr_expect_eq(lan->address.addr, ip("10.1.0.1"));
	cr_expect_eq(lan->address.plen, 24);
	cr_expect_eq(lan->mtu, 68);
	cr_expect_str_eq(lan->netns, "tflab-lan");
	cr_expect(lan->has_peer_address);
	cr_expect_eq(lan->peer_address.addr, ip("10.1.0.2"));
	cr_expect_eq(lan->peer_address.plen, 24);
	cr_assert_eq(lan->n_peer_routes, 4);
	cr_expect_eq(lan->peer_routes[0].addr, 0);
	cr_expect_eq(lan->peer_routes[0].plen, 0);
	cr_expect_eq(lan->peer_routes[1].addr, ip("10.9.0.0"));
	cr_expect_eq(lan->peer_routes[1].plen, 16);
	cr_expect_eq(lan->peer_routes[2].addr, ip("10.8.0.0"));
	cr_expect_eq(lan->peer_routes[2].plen, 15);
	cr_expect_eq(lan->peer_routes[3].addr, ip("10.7.7.7"));
	cr_expect_eq(lan->peer_routes[3].plen, 32);

	cr_expect_eq(wan->line, 7);
	cr_expect_eq(wan->address.addr, ip("192.168.7.1"));
	cr_expect_eq(wan->address.plen, 32);
	cr_expect_eq(wan->mtu, 65535);
	cr_expect_str_eq(wan->netns, "");
	cr_expect(!wan->has_peer_address);
	cr_expect_eq(wan->n_peer_routes, 0);

	cr_expect_eq(e->mtu, 1500);
	cr_expect_eq(e->n_peer_routes, 0);
	cfg_done(cfg);
}

Test(config, iface_limits)
{
	char text[8192], want[128];
	size_t n = 0;

	for (int i = 0; i < ROUTER_MAX_IFACES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[interface tf%d]\naddress = 10.%d.0.1/24\n", i, i);
	cfg_done(expect_ok(text));
	snprintf(text + n, sizeof(text) - n, "[interface tf99]\n");
	snprintf(want, sizeof(want), "FILE:%d: too many interfaces (at most %d)",
		 2 * ROUTER_MAX_IFACES + 1, ROUTER_MAX_IFACES);
	expect_error(text, want);
}

/* ---- [routes] ---------------------------------------------------------------- */

Test(config, routes_bad)
{
	static const struct bad_case c[] = {
		{ IFACES "[routes]\n10.9.0.0/16 = wan9\n",
		  "FILE:6: route \"10.9.0.0/16\" names unknown interface \"wan9\"" },
		{ "[routes]\n10.9.0.0/16 = wan9\n" IFACES,
		  "FILE:2: route \"10.9.0.0/16\" names unknown interface \"wan9\"" },
		{ IFACES "[routes]\n0.0.0.0/0 = lan0\n10.9.0.0/16 = LAN0\n",
		  "FILE:7: route \"10.9.0.0/16\" names unknown interface \"LAN0\"" },
		{ IFACES "[routes]\ndefault = a/b\n",
		  "FILE:6: route \"default\" names unknown interface \"a/b\"" },
		{ IFACES "[routes]\ndefault =\n",
		  "FILE:6: route \"default\" names unknown interface \"\"" },
		{ IFACES "[routes]\n10.9.0.0/16 = wan0 lan0\n",
		  "FILE:6: route \"10.9.0.0/16\" names unknown interface \"wan0 lan0\"" },
		{ IFACES "[routes]\n10.9.0.1/16 = wan0\n",
		  "FILE:6: prefix \"10.9.0.1/16\" has host bits set (did you mean 10.9.0.0/16?)" },
		{ IFACES "[routes]\n0.0.0.1/0 = wan0\n",
		  "FILE:6: prefix \"0.0.0.1/0\" has host bits set (did you mean default?)" },
		{ IFACES "[routes]\n10.9.0.0 = wan0\n",
		  "FILE:6: bad prefix \"10.9.0.0\" (expected A.B.C.D/LEN or default)" },
		{ IFACES "[routes]\n10.9.0.0/ = wan0\n",
		  "FILE:6: bad prefix \"10.9.0.0/\" (expected A.B.C.D/LEN or default)" },
		{ IFACES "[routes]\ndefault route = wan0\n",
		  "FILE:6: bad prefix \"default route\" (expected A.B.C.D/LEN or default)" },
		{ IFACES "[routes]\n10.9.0.0/16 = wan0\n\n10.9.0.0/16 = lan0\n",
		  "FILE:8: duplicate route \"10.9.0.0/16\" (first at line 6)" },
		{ IFACES "[routes]\n0.0.0.0/0 = wan0\ndefault = lan0\n",
		  "FILE:7: duplicate route \"default\" (first at line 6)" },
	};

	EXPECT_ERRORS(c);
}

Test(config, routes_values)
{
	struct config *cfg = expect_ok(IFACES "[routes]\n"
					      "10.20.0.0/16 = wan0\n"
					      "; a comment\n"
					      "default = wan0\n"
					      "10.20.1.0/24 = lan0 ; more specific\n"
					      "10.20.1.7/32: lan0\n");

	cr_assert_eq(cfg->n_routes, 4);
	cr_expect_eq(cfg->routes[0].dst.addr, ip("10.20.0.0"));
	cr_expect_eq(cfg->routes[0].dst.plen, 16);
	cr_expect_str_eq(cfg->routes[0].ifname, "wan0");
	cr_expect_eq(cfg->routes[0].line, 6);
	cr_expect_eq(cfg->routes[1].dst.addr, 0);
	cr_expect_eq(cfg->routes[1].dst.plen, 0);
	cr_expect_eq(cfg->routes[1].line, 8);
	cr_expect_eq(cfg->routes[2].dst.addr, ip("10.20.1.0"));
	cr_expect_str_eq(cfg->routes[2].ifname, "lan0");
	cr_expect_eq(cfg->routes[3].dst.addr, ip("10.20.1.7"));
	cr_expect_eq(cfg->routes[3].dst.plen, 32);
	cfg_done(cfg);
}

/* The routes array grows as needed, up to CONFIG_MAX_ROUTES; one more is
 * refused. Lines are 10.X.Y.0/24 = wan0 after the 5 lines of IFACES+header. */
Test(config, routes_limit)
{
	size_t size = (CONFIG_MAX_ROUTES + 8) * 32, n;
	char *text = malloc(size), want[128];
	struct config *cfg;

	cr_assert_not_null(text);
	n = (size_t)snprintf(text, size, IFACES "[routes]\n");
	for (unsigned int i = 0; i < CONFIG_MAX_ROUTES; i++)
		n += (size_t)snprintf(text + n, size - n, "10.%u.%u.0/24 = wan0\n", 100 + i / 256,
				      i % 256);
	cfg = expect_ok(text);
	cr_expect_eq(cfg->n_routes, CONFIG_MAX_ROUTES);
	cr_expect_eq(cfg->routes[CONFIG_MAX_ROUTES - 1].dst.addr, ip("10.115.255.0"));
	cr_expect_eq(cfg->routes[CONFIG_MAX_ROUTES - 1].line, CONFIG_MAX_ROUTES + 5);
	cfg_done(cfg);

	snprintf(text + n, size - n, "10.200.0.0/24 = lan0\n");
	snprintf(want, sizeof(want), "FILE:%d: too many routes (at most %d)",
		 CONFIG_MAX_ROUTES + 6, CONFIG_MAX_ROUTES);
	expect_error(text, want);
	free(text);
}

/* ---- checks on the whole file ----------------------------------------------- */

Test(config, cross_checks)
{
	static const struct bad_case c[] = {
		{ "", "FILE: no [interface] section" },
		{ "# nothing\n[daemon]\nbatch = 8\n[routes]\n", "FILE: no [interface] section" },
		{ "[interface lan0]\nmtu = 1500\n[interface wan0]\n",
		  "FILE:1: missing key \"address\" in [interface lan0]" },
		{ IFACES "[interface dmz0]\n",
		  "FILE:5: missing key \"address\" in [interface dmz0]" },
		{ IFACES "[interface dmz0]\nmtu = 1400\naddress = 10.1.0.1/16\n",
		  "FILE:7: address \"10.1.0.1/16\" is also the address of [interface lan0]" },
		{ IFACES "[interface dmz0]\naddress = 10.3.0.1/24\npeer_address = 10.2.0.1/24\n",
		  "FILE:7: peer_address \"10.2.0.1/24\" is the address of [interface wan0]" },
		{ "[interface lan0]\naddress = 10.1.0.1/24\npeer_address = 10.1.0.1/24\n",
		  "FILE:3: peer_address \"10.1.0.1/24\" is the address of [interface lan0]" },
	};

	EXPECT_ERRORS(c);
}

/* ---- file format ------------------------------------------------------------- */

Test(config, format)
{
	/* A byte order mark, CRLF, indentation (not a continuation), comments
	 * of both kinds, an inline ';' comment, ':' as the separator, blank
	 * lines and spaces inside the brackets. */
	struct config *cfg = expect_ok("\xef\xbb\xbf# tunfilter\r\n"
				       "[daemon]\r\n"
				       "batch = 32 ; packets\r\n"
				       "\tdefrag = yes\r\n"
				       "  ; indented comment\n"
				       "\n"
				       "[ interface  lan0 ] ; the LAN\n"
				       "address: 10.1.0.1/24\n"
				       "    mtu    =    1400   \n"
				       "netns = a;b\n");

	cr_expect_eq(cfg->batch, 32);
	cr_expect(cfg->router.defrag);
	cr_assert_eq(cfg->n_ifaces, 1);
	cr_expect_str_eq(cfg->ifaces[0].name, "lan0");
	cr_expect_eq(cfg->ifaces[0].line, 7);
	cr_expect_eq(cfg->ifaces[0].mtu, 1400);
	/* ';' starts a comment only after white space. */
	cr_expect_str_eq(cfg->ifaces[0].netns, "a;b");
	cfg_done(cfg);

	/* '#' after a value is not a comment: the value is refused whole. */
	expect_error(IFACES "mtu = 1400 # jumbo\n",
		     "FILE:5: bad value \"1400 # jumbo\" for mtu (expected 68 to 65535)");
}

/* The lab configuration shipped in etc/ loads, with the README's values. */
/* ---- [queue] and [queue N] ---------------------------------------------- */

Test(config, queue_bad)
{
	static const struct bad_case c[] = {
		{ "[queue]\npath = queue.sock\n" IFACES,
		  "FILE:2: bad value \"queue.sock\" for path "
		  "(expected an absolute path of at most 107 bytes)" },
		{ "[queue]\nmode = 0888\n" IFACES,
		  "FILE:2: bad value \"0888\" for mode (expected an octal file mode from 0 to 0777)" },
		{ "[queue]\nmode = 01777\n" IFACES,
		  "FILE:2: bad value \"01777\" for mode (expected an octal file mode from 0 to 0777)" },
		{ "[queue]\nmode = rw\n" IFACES,
		  "FILE:2: bad value \"rw\" for mode (expected an octal file mode from 0 to 0777)" },
		{ "[queue]\nmode =\n" IFACES,
		  "FILE:2: bad value \"\" for mode (expected an octal file mode from 0 to 0777)" },
		{ "[queue]\ngroup = tf-no-such-group-here\n" IFACES,
		  "FILE:2: unknown group \"tf-no-such-group-here\" for group" },
		{ "[queue]\nmaxlen = 0\n" IFACES,
		  "FILE:2: bad value \"0\" for maxlen (expected 1 to 65536)" },
		{ "[queue 3]\nmaxlen = 65537\n" IFACES,
		  "FILE:2: bad value \"65537\" for maxlen (expected 1 to 65536)" },
		{ "[queue 3]\ncopy = full\n" IFACES,
		  "FILE:2: bad value \"full\" for copy (expected none, meta or packet)" },
		{ "[queue 3]\ncopy = Packet\n" IFACES,
		  "FILE:2: bad value \"Packet\" for copy (expected none, meta or packet)" },
		{ "[queue]\ncopy_range = 65536\n" IFACES,
		  "FILE:2: bad value \"65536\" for copy_range (expected 0 to 65535 bytes)" },
		{ "[queue]\nfail_open = perhaps\n" IFACES,
		  "FILE:2: bad value \"perhaps\" for fail_open "
		  "(expected yes, no, on, off, true, false, 1 or 0)" },
		{ "[queue 0]\ndefault_verdict = repeat\n" IFACES,
		  "FILE:2: bad value \"repeat\" for default_verdict (expected accept or drop)" },
		{ "[queue]\ntimeout = 0\n" IFACES,
		  "FILE:2: bad value \"0\" for timeout (expected 1 to 3600000 ms)" },
		{ "[queue]\ntimeout = 5s\n" IFACES,
		  "FILE:2: bad value \"5s\" for timeout (expected 1 to 3600000 ms)" },
		{ "[queue 3]\npath = /run/q.sock\n" IFACES,
		  "FILE:2: unknown key \"path\" in [queue 3]" },
		{ "[queue]\nqueue_num = 1\n" IFACES, "FILE:2: unknown key \"queue_num\" in [queue]" },
		{ "[queue]\nmaxlen = 8\nmaxlen = 9\n" IFACES,
		  "FILE:3: duplicate key \"maxlen\" in [queue] (first at line 2)" },
		{ "[queue 7]\ntimeout = 8\n\ntimeout = 9\n" IFACES,
		  "FILE:4: duplicate key \"timeout\" in [queue 7] (first at line 2)" },
		{ "[queue]\n[queue]\n", "FILE:2: duplicate section \"[queue]\" (first at line 1)" },
		{ "[queue 7]\n[queue 8]\n[queue  7]\n",
		  "FILE:3: duplicate section \"[queue 7]\" (first at line 1)" },
		{ "[queue 65536]\n",
		  "FILE:1: bad queue number \"65536\" in \"[queue 65536]\" (expected 0 to 65535)" },
		{ "[queue -1]\n",
		  "FILE:1: bad queue number \"-1\" in \"[queue -1]\" (expected 0 to 65535)" },
		{ "[queue 0x10]\n",
		  "FILE:1: bad queue number \"0x10\" in \"[queue 0x10]\" (expected 0 to 65535)" },
		{ "[queue 1 2]\n",
		  "FILE:1: bad queue number \"1 2\" in \"[queue 1 2]\" (expected 0 to 65535)" },
		{ "[queues]\n", "FILE:1: unknown section \"[queues]\"" },
	};

	EXPECT_ERRORS(c);
}

Test(config, queue_defaults)
{
	struct config *cfg = expect_ok(IFACES);
	const struct queue_settings *d = &cfg->queue.defaults;

	cr_expect_not(cfg->queue.enabled, "no [queue] section: no queue socket");
	cr_expect_str_eq(cfg->queue.path, "/run/tunfilter/queue.sock");
	cr_expect_eq(cfg->queue.mode, 0600);
	cr_expect_str_eq(cfg->queue.group, "");
	cr_expect_eq(d->maxlen, 4096);
	cr_expect_eq(d->copy_mode, TFQ_COPY_PACKET);
	cr_expect_eq(d->copy_range, 65535);
	cr_expect_eq(d->fail_open, false);
	cr_expect_eq(d->default_verdict, TF_DROP);
	cr_expect_eq(d->timeout_ms, 5000);
	cr_expect_eq(cfg->queue.n_nums, 0);
	cfg_done(cfg);
	cfg = expect_ok("[queue]\n" IFACES);
	cr_expect(cfg->queue.enabled);
	cfg_done(cfg);
	cfg = expect_ok("[queue]\ngroup = root\n" IFACES);
	cr_expect_eq(cfg->queue.mode, 0660, "a group opens the socket to it");
	cfg_done(cfg);
}

Test(config, queue_values)
{
	/* [queue N] takes what it does not set from [queue], wherever that is. */
	struct config *cfg = expect_ok("[queue 3]\n"
				       "maxlen = 16\n"
				       "fail_open = yes\n"
				       "[queue 65535]\n"
				       "[queue]\n"
				       "path = /tmp/tf-queue.sock\n"
				       "mode = 660\n"
				       "group = root\n"
				       "maxlen = 100\n"
				       "copy = meta\n"
				       "copy_range = 128\n"
				       "default_verdict = accept\n"
				       "timeout = 250\n"
				       "[queue 0]\n"
				       "copy = none\n"
				       "default_verdict = drop\n"
				       "timeout = 3600000\n" IFACES);
	const struct config_queue *q = &cfg->queue;

	cr_expect(q->enabled);
	cr_expect_str_eq(q->path, "/tmp/tf-queue.sock");
	cr_expect_eq(q->mode, 0660);
	cr_expect_str_eq(q->group, "root");
	cr_expect_eq(q->defaults.maxlen, 100);
	cr_expect_eq(q->defaults.copy_mode, TFQ_COPY_META);
	cr_assert_eq(q->n_nums, 3);
	cr_expect_eq(q->nums[0].num, 3);
	cr_expect_eq(q->nums[0].s.maxlen, 16);
	cr_expect_eq(q->nums[0].s.fail_open, true);
	cr_expect_eq(q->nums[0].s.copy_mode, TFQ_COPY_META);
	cr_expect_eq(q->nums[0].s.copy_range, 128);
	cr_expect_eq(q->nums[0].s.default_verdict, TF_ACCEPT);
	cr_expect_eq(q->nums[0].s.timeout_ms, 250);
	cr_expect_eq(q->nums[1].num, 65535);
	cr_expect_eq(q->nums[1].s.maxlen, 100);
	cr_expect_eq(q->nums[2].num, 0);
	cr_expect_eq(q->nums[2].s.maxlen, 100);
	cr_expect_eq(q->nums[2].s.copy_mode, TFQ_COPY_NONE);
	cr_expect_eq(q->nums[2].s.default_verdict, TF_DROP);
	cr_expect_eq(q->nums[2].s.timeout_ms, 3600000);
	cr_expect_eq(q->nums[2].s.fail_open, false);
	cfg_done(cfg);
	/* A [queue N] alone enables the socket too. */
	cfg = expect_ok("[queue 1]\n" IFACES);
	cr_expect(cfg->queue.enabled);
	cr_expect_eq(cfg->queue.nums[0].s.maxlen, 4096);
	cfg_done(cfg);
	cfg = expect_ok("[queue]\nmode = 0\n" IFACES);
	cr_expect_eq(cfg->queue.mode, 0);
	cfg_done(cfg);
}

Test(config, queue_limits)
{
	char *text = malloc(64 * (CONFIG_MAX_QUEUES + 2) + sizeof(IFACES));
	char want[128];
	struct config *cfg;
	size_t len = 0;

	for (unsigned int i = 0; i < CONFIG_MAX_QUEUES; i++)
		len += (size_t)sprintf(text + len, "[queue %u]\nmaxlen = %u\n", i * 7, i + 1);
	strcpy(text + len, IFACES);
	cfg = expect_ok(text);
	cr_expect_eq(cfg->queue.n_nums, CONFIG_MAX_QUEUES);
	cr_expect_eq(cfg->queue.nums[CONFIG_MAX_QUEUES - 1].s.maxlen, CONFIG_MAX_QUEUES);
	cfg_done(cfg);
	sprintf(text + len, "[queue 1]\n" IFACES);
	snprintf(want, sizeof(want), "FILE:%u: too many [queue N] sections (at most %u)",
		 2 * CONFIG_MAX_QUEUES + 1, CONFIG_MAX_QUEUES);
	expect_error(text, want);
	free(text);
}

/* ---- [conntrack] ----------------------------------------------------------- */

Test(config, conntrack_bad)
{
	static const struct bad_case c[] = {
		{ "[conntrack]\nmax_entries = 0\n" IFACES,
		  "FILE:2: bad value \"0\" for max_entries (expected 1 to 16777216)" },
		{ "[conntrack]\nmax_entries = 16777217\n" IFACES,
		  "FILE:2: bad value \"16777217\" for max_entries (expected 1 to 16777216)" },
		{ "[conntrack]\nmax_entries = 64K\n" IFACES,
		  "FILE:2: bad value \"64K\" for max_entries (expected 1 to 16777216)" },
		{ "[conntrack]\nenable = sometimes\n" IFACES,
		  "FILE:2: bad value \"sometimes\" for enable "
		  "(expected auto, yes, no, on, off, true, false, 1 or 0)" },
		{ "[conntrack]\ntcp_liberal = 2\n" IFACES,
		  "FILE:2: bad value \"2\" for tcp_liberal "
		  "(expected yes, no, on, off, true, false, 1 or 0)" },
		{ "[conntrack]\ntcp_loose = maybe\n" IFACES,
		  "FILE:2: bad value \"maybe\" for tcp_loose "
		  "(expected yes, no, on, off, true, false, 1 or 0)" },
		{ "[conntrack]\nchecksum = 0x1\n" IFACES,
		  "FILE:2: bad value \"0x1\" for checksum "
		  "(expected yes, no, on, off, true, false, 1 or 0)" },
		{ "[conntrack]\ntcp_max_retrans = 256\n" IFACES,
		  "FILE:2: bad value \"256\" for tcp_max_retrans (expected 0 to 255)" },
		{ "[conntrack]\nudp_timeout = 0\n" IFACES,
		  "FILE:2: bad value \"0\" for udp_timeout (expected 1 to 4294967 seconds)" },
		{ "[conntrack]\ntcp_timeout_established = 4294968\n" IFACES,
		  "FILE:2: bad value \"4294968\" for tcp_timeout_established "
		  "(expected 1 to 4294967 seconds)" },
		{ "[conntrack]\nicmp_timeout = 30s\n" IFACES,
		  "FILE:2: bad value \"30s\" for icmp_timeout (expected 1 to 4294967 seconds)" },
		{ "[conntrack]\ngeneric_timeout = -1\n" IFACES,
		  "FILE:2: bad value \"-1\" for generic_timeout (expected 1 to 4294967 seconds)" },
		{ "[conntrack]\nudp_timeout_streams = 1\n" IFACES,
		  "FILE:2: unknown key \"udp_timeout_streams\" in [conntrack]" },
		{ "[conntrack]\nbuckets = 1024\n" IFACES,
		  "FILE:2: unknown key \"buckets\" in [conntrack]" },
		{ "[conntrack]\nmax_entries = 8\n\nmax_entries = 9\n" IFACES,
		  "FILE:4: duplicate key \"max_entries\" in [conntrack] (first at line 2)" },
		{ "[conntrack]\n" IFACES "[conntrack]\n",
		  "FILE:6: duplicate section \"[conntrack]\" (first at line 1)" },
		{ "[conntrack tcp]\n", "FILE:1: unknown section \"[conntrack tcp]\"" },
	};

	EXPECT_ERRORS(c);
}

Test(config, conntrack_defaults)
{
	struct config *cfg = expect_ok(IFACES);
	const struct ct_config *c = &cfg->conntrack;
	static const uint32_t want[CT_TO_MAX] = {
		120, 60, 432000, 120, 60, 30, 120, 10, 120, 300, 300, 30, 120, 30, 600,
	};

	cr_expect_eq(c->mode, CT_MODE_AUTO, "tracking when a rule needs it");
	cr_expect_eq(c->max_entries, 262144);
	cr_expect_not(c->tcp_liberal);
	cr_expect(c->tcp_loose);
	cr_expect(c->checksum);
	cr_expect_eq(c->tcp_max_retrans, 3);
	for (unsigned int i = 0; i < CT_TO_MAX; i++)
		cr_expect_eq(c->timeout_ms[i], want[i] * 1000u, "%s", ct_timeout_name(i));
	cfg_done(cfg);
}

Test(config, conntrack_values)
{
	char text[4096];
	struct config *cfg;
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "[conntrack]\nenable = no\nmax_entries = 1\n"
			       "tcp_liberal = yes\ntcp_loose = off\nchecksum = false\n"
			       "tcp_max_retrans = 0\n");
	for (unsigned int i = 0; i < CT_TO_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s = %u\n",
					ct_timeout_name(i), i + 1);
	snprintf(text + len, sizeof(text) - len, "%s", IFACES);
	cfg = expect_ok(text);
	cr_expect_eq(cfg->conntrack.mode, CT_MODE_OFF);
	cr_expect_eq(cfg->conntrack.max_entries, 1);
	cr_expect(cfg->conntrack.tcp_liberal);
	cr_expect_not(cfg->conntrack.tcp_loose);
	cr_expect_not(cfg->conntrack.checksum);
	cr_expect_eq(cfg->conntrack.tcp_max_retrans, 0);
	for (unsigned int i = 0; i < CT_TO_MAX; i++)
		cr_expect_eq(cfg->conntrack.timeout_ms[i], (i + 1) * 1000u, "%s",
			     ct_timeout_name(i));
	cfg_done(cfg);
	cfg = expect_ok("[conntrack]\nmax_entries = 16777216\nudp_timeout = 4294967\n" IFACES);
	cr_expect_eq(cfg->conntrack.max_entries, 16777216);
	cr_expect_eq(cfg->conntrack.timeout_ms[CT_TO_UDP], 4294967000u);
	cfg_done(cfg);
}

Test(config, example_file)
{
	const char *srcdir = getenv("srcdir");
	char path[PATH_MAX], err[CONFIG_ERR_MAX];
	struct config *cfg = cfg_new();
	const struct config_iface *lan, *wan;

	snprintf(path, sizeof(path), "%s/etc/tunfilter.conf", srcdir ? srcdir : ".");
	cr_assert_eq(config_load(cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(cfg->control_socket, "/run/tunfilter/control.sock");
	cr_assert_eq(cfg->n_ifaces, 2);
	lan = config_iface_find(cfg, "lan0");
	wan = config_iface_find(cfg, "wan0");
	cr_assert(lan && wan);
	cr_expect_eq(lan->address.addr, ip("10.1.0.1"));
	cr_expect_eq(lan->address.plen, 24);
	cr_expect_str_eq(lan->netns, "tflab-lan");
	cr_expect_eq(lan->peer_address.addr, ip("10.1.0.2"));
	cr_assert_eq(lan->n_peer_routes, 1);
	cr_expect_eq(lan->peer_routes[0].plen, 0);
	cr_expect_eq(wan->address.addr, ip("10.2.0.1"));
	cr_expect_str_eq(wan->netns, "tflab-wan");
	cr_expect_eq(wan->peer_address.addr, ip("10.2.0.2"));
	cr_assert_eq(wan->n_peer_routes, 1);
	cr_expect_eq(cfg->n_routes, 0);
	cfg_done(cfg);
}

/* xorshift64*, fixed seed: failures reproduce. */
static uint64_t rng_state = 0x7f4a7c159e3779b9ull;

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/*
 * Random corruptions of a good file (bytes replaced with characters that
 * matter to the grammar, lines cut or doubled): each either loads or fails
 * with "FILE:" and a message, and a failure frees what it allocated.
 */
Test(config, random_corruption)
{
	static const char base[] = "[daemon]\nbatch = 64\ndefrag = yes\ndefrag_memory = 4M\n"
				   "icmp_ratemask = 0x1818\n"
				   "[interface lan0]\naddress = 10.1.0.1/24\nmtu = 1400\n"
				   "peer_routes = default, 10.9.0.0/16\n"
				   "[interface wan0]\naddress = 10.2.0.1/24\n"
				   "[routes]\n10.20.0.0/16 = wan0\ndefault = lan0\n";
	static const char alphabet[] = "[]=:;# \t\n\r/.,0123456789abcxyz\0\xff";
	char text[sizeof(base) * 2], msg[CONFIG_ERR_MAX];
	struct config *cfg = cfg_new();
	unsigned int ok = 0, bad = 0;

	for (int iter = 0; iter < 2000; iter++) {
		size_t len = sizeof(base) - 1;
		int rc;

		memcpy(text, base, len);
		for (int k = 1 + (int)(rng32() % 4); k > 0; k--) {
			size_t at = rng32() % len;

			switch (rng32() % 3) {
			case 0:
				text[at] = alphabet[rng32() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* cut */
				len = at;
				break;
			default: /* double the tail (bounded by the buffer) */
				if (len + (len - at) <= sizeof(text)) {
					memcpy(text + len, text + at, len - at);
					len += len - at;
				}
				break;
			}
			if (!len)
				break;
		}
		rc = conf_load_len(cfg, text, len, msg, sizeof(msg));
		if (rc == 0) {
			ok++;
			cr_expect_gt(cfg->n_ifaces, 0);
			config_free(cfg);
			continue;
		}
		bad++;
		cr_expect_eq(rc, -EINVAL, "iteration %d: rc %d", iter, rc);
		cr_expect(!strncmp(msg, "FILE:", 5) && strlen(msg) > 7, "iteration %d: \"%s\"", iter,
			  msg);
		cr_expect_null(cfg->routes);
	}
	/* Both outcomes occur, or the corruption is not testing anything. */
	cr_expect_gt(ok, 50);
	cr_expect_gt(bad, 50);
	free(cfg);
}

/* ---- [local] ------------------------------------------------------------- */

Test(config, local_absent_and_defaults)
{
	struct config *cfg = expect_ok(IFACES);

	cr_expect_not(cfg->local.enabled, "no [local]: the built-in stack only");
	cfg_done(cfg);
	cfg = expect_ok("[local]\n" IFACES);
	cr_expect(cfg->local.enabled);
	cr_expect_str_eq(cfg->local.name, "tf-host");
	cr_expect_eq(cfg->local.mtu, 1500);
	cr_expect_eq(cfg->local.line, 1);
	cfg_done(cfg);
}

Test(config, local_values)
{
	struct config *cfg = expect_ok(IFACES "[local]\nname = gw-self\nmtu = 9000\n");

	cr_expect(cfg->local.enabled);
	cr_expect_str_eq(cfg->local.name, "gw-self");
	cr_expect_eq(cfg->local.mtu, 9000);
	cfg_done(cfg);
}

Test(config, local_bad)
{
	static const struct bad_case c[] = {
		{ "[local]\nname = a/b\n" IFACES,
		  "FILE:2: bad value \"a/b\" for name (expected an interface name of 1 to 15 "
		  "characters)" },
		{ "[local]\nname = sixteen-chars-xx\n" IFACES,
		  "FILE:2: bad value \"sixteen-chars-xx\" for name (expected an interface name of "
		  "1 to 15 characters)" },
		{ "[local]\nmtu = 67\n" IFACES,
		  "FILE:2: bad value \"67\" for mtu (expected 68 to 65535)" },
		{ "[local]\naddress = 10.9.0.1/24\n" IFACES,
		  "FILE:2: unknown key \"address\" in [local]" },
		{ "[local]\nname = x\nname = y\n" IFACES,
		  "FILE:3: duplicate key \"name\" in [local] (first at line 2)" },
		{ "[local]\n" IFACES "[local]\n",
		  "FILE:6: duplicate section \"[local]\" (first at line 1)" },
		{ IFACES "\n[local]\nname = wan0\n",
		  "FILE:7: [local] name \"wan0\" is also an [interface wan0]" },
		{ "[local]\n[interface tf-host]\naddress = 10.9.0.1/24\n",
		  "FILE:1: [local] name \"tf-host\" is also an [interface tf-host]" },
	};

	EXPECT_ERRORS(c);
}
