// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilter: the admin tool. It is deliberately thin: it consumes only the
 * global options at the very start of the command line, sends everything
 * after them to tunfilterd unchanged (so iptables-style options pass
 * through to the daemon, which owns the only parser), adds standard input
 * (or FILE's contents) for `restore`, and prints what comes back: events
 * and the reply's stdout part to stdout, its stderr part to stderr; the
 * reply's status is the exit code. The protocol is in proto.h and tunfilter(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef HAVE_CONFIG_H
#include "autoconfig.h"
#endif
#include "control/cmd.h"
#include "control/proto.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define TUNFILTER_SOCKET_DEFAULT "/run/tunfilter/control.sock"
#define TUNFILTER_SOCKET_ENV "TUNFILTER_SOCKET"

/* Exit codes, as iptables (and cmd.h). */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_PARAM = 2 };

struct tunfilter_opts {
	uint32_t flags;
	const char *socket;
	int argi; /* first word of the command */
};

/* A long command gets its description on the next line. */
static void tunfilter_usage_line(FILE *f, const char *cmd, const char *help)
{
	if (strlen(cmd) > 20)
		fprintf(f, "  %s\n  %-20s %s\n", cmd, "", help);
	else
		fprintf(f, "  %-20s %s\n", cmd, help);
}

static void tunfilter_usage(FILE *f)
{
	fprintf(f,
		"Usage: tunfilter [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Options (only before the command):\n"
		"  -j, --json           answer in JSON\n"
		"  --socket PATH        control socket (default $" TUNFILTER_SOCKET_ENV
		", else\n"
		"                       " TUNFILTER_SOCKET_DEFAULT ")\n"
		"  -h, --help           this help\n"
		"  -V, --version        the version of this tool\n"
		"\n"
		"Commands:\n");
#define TUNFILTER_USAGE_LINE(fn, words, args, help) tunfilter_usage_line(f, words " " args, help);
	CMD_LIST(TUNFILTER_USAGE_LINE)
#undef TUNFILTER_USAGE_LINE
	fprintf(f, "\nSee tunfilter(8).\n");
}

/*
 * Consume the global options at the start of argv. Returns -1 to go on,
 * else an exit code. The first word that is not a global option starts the
 * command, whatever it looks like ("-A" included); "--" ends the options.
 */
static int tunfilter_parse(int argc, char **argv, struct tunfilter_opts *opt)
{
	const char *env = getenv(TUNFILTER_SOCKET_ENV);
	int i;

	opt->socket = env && *env ? env : TUNFILTER_SOCKET_DEFAULT;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			opt->flags |= CTL_F_JSON;
		} else if (!strcmp(a, "--socket")) {
			if (++i == argc) {
				fprintf(stderr, "tunfilter: option --socket needs a PATH\n");
				return EXIT_PARAM;
			}
			opt->socket = argv[i];
		} else if (!strncmp(a, "--socket=", 9)) {
			opt->socket = a + 9;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			tunfilter_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("tunfilter %s (control protocol %u)\n", PACKAGE_VERSION,
			       CTL_VERSION);
			return EXIT_OK;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "tunfilter: no command given\n");
		tunfilter_usage(stderr);
		return EXIT_PARAM;
	}
	if (!*opt->socket) {
		fprintf(stderr, "tunfilter: empty socket path\n");
		return EXIT_PARAM;
	}
	opt->argi = i;
	return -1;
}

/* All of fd (standard input or restore's FILE). 0 or -errno (-EMSGSIZE:
 * too big). */
static int tunfilter_read_input(int fd, char **buf, uint32_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t r;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n > CTL_MAX_PAYLOAD) {
			free(b);
			return -EMSGSIZE;
		}
		if (n == cap) {
			cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = (uint32_t)n;
	return 0;
}

/*
 * The FILE of "restore [OPTIONS] [FILE]", or NULL for standard input. The
 * daemon cannot open the user's file (another mount namespace, another
 * working directory, permissions), so the tool reads it and sends its
 * contents; FILE stays in the arguments to name it in messages. Options
 * with an argument as cmd_restore.c reads them.
 */
static const char *tunfilter_restore_file(int argc, char **argv, int argi)
{
	int i;

	for (i = argi + 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-T") || !strcmp(a, "--table") || !strcmp(a, "-M") ||
		    !strcmp(a, "--modprobe"))
			i++;
		else if ((!strcmp(a, "-w") || !strcmp(a, "--wait") || !strcmp(a, "-W") ||
			  !strcmp(a, "--wait-interval")) && i + 1 < argc &&
			 argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
			i++;
		else if (a[0] != '-' || !a[1])
			return a;
	}
	return NULL;
}

/* The text restore sends: FILE's contents, or standard input's. */
static int tunfilter_restore_input(int argc, char **argv, int argi, char **buf, uint32_t *len)
{
	const char *file = tunfilter_restore_file(argc, argv, argi);
	int fd = STDIN_FILENO, ret;

	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			/* iptables-restore's words. */
			fprintf(stderr, "tunfilter: Can't open %s: %s\n", file, strerror(errno));
			return EXIT_ERR;
		}
	}
	ret = tunfilter_read_input(fd, buf, len);
	if (file)
		close(fd);
	if (ret) {
		fprintf(stderr, "tunfilter: reading %s: %s\n", file ? file : "standard input",
			ret == -EMSGSIZE ? "larger than the 16 MiB a request may carry"
					 : strerror(-ret));
		return EXIT_ERR;
	}
	return 0;
}

static int tunfilter_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tunfilter: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "tunfilter: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	fprintf(stderr, "tunfilter: cannot connect to %s: %s%s\n", path, strerror(e),
		e == ENOENT || e == ECONNREFUSED ? " (is tunfilterd running?)" : "");
	close(fd);
	return -1;
}

/* Send it all. A daemon that refuses us may close before reading the
 * request; its answer is still waiting to be read, so EPIPE is not fatal. */
static int tunfilter_send(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EPIPE || errno == ECONNRESET ? 0 : -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes: 0, -EPIPE at EOF, or -errno. */
static int tunfilter_recv(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void tunfilter_write(FILE *f, const char *s, size_t len)
{
	if (len)
		fwrite(s, 1, len, f);
	fflush(f);
}

/* Print events until the reply; returns the exit code. */
static int tunfilter_receive(int fd)
{
	for (;;) {
		const char *out, *err;
		uint32_t out_len, err_len;
		struct ctl_hdr h;
		uint8_t *payload;
		int ret;

		ret = tunfilter_recv(fd, &h, sizeof(h));
		if (ret == -EPIPE || ret == -ECONNRESET) {
			fprintf(stderr, "tunfilter: tunfilterd closed the connection without a "
				"reply\n");
			return EXIT_ERR;
		}
		if (ret == 0)
			ret = ctl_hdr_check(&h);
		if (ret == 0 && h.type == CTL_REQUEST)
			ret = -EPROTO;
		if (ret) {
			fprintf(stderr, "tunfilter: bad reply from tunfilterd: %s\n",
				strerror(-ret));
			return EXIT_ERR;
		}
		payload = malloc(h.len ? h.len : 1);
		if (!payload) {
			fprintf(stderr, "tunfilter: out of memory\n");
			return EXIT_ERR;
		}
		ret = tunfilter_recv(fd, payload, h.len);
		if (ret) {
			free(payload);
			fprintf(stderr, "tunfilter: reply cut short: %s\n",
				ret == -EPIPE ? "connection closed" : strerror(-ret));
			return EXIT_ERR;
		}
		if (h.type == CTL_EVENT) {
			tunfilter_write(stdout, (const char *)payload, h.len);
			free(payload);
			continue;
		}
		if (ctl_reply_decode(payload, h.len, &out, &out_len, &err, &err_len)) {
			free(payload);
			fprintf(stderr, "tunfilter: bad reply from tunfilterd: malformed\n");
			return EXIT_ERR;
		}
		tunfilter_write(stdout, out, out_len);
		tunfilter_write(stderr, err, err_len);
		free(payload);
		return h.status >= 0 && h.status <= 255 ? h.status : EXIT_ERR;
	}
}

int main(int argc, char **argv)
{
	struct tunfilter_opts opt = { 0 };
	char *input = NULL;
	uint32_t input_len = 0;
	uint8_t *req = NULL;
	size_t req_len;
	int ret, fd, status = EXIT_ERR;

	ret = tunfilter_parse(argc, argv, &opt);
	if (ret >= 0)
		return ret;
	if (!strcmp(argv[opt.argi], "restore")) {
		ret = tunfilter_restore_input(argc, argv, opt.argi, &input, &input_len);
		if (ret)
			return ret;
	}
	ret = ctl_request_encode(opt.flags, argc - opt.argi, argv + opt.argi, input, input_len,
				 &req, &req_len);
	free(input);
	if (ret) {
		fprintf(stderr, "tunfilter: %s\n", ret == -E2BIG ? "too many arguments"
			: ret == -EMSGSIZE ? "request larger than the 16 MiB the protocol allows"
			: strerror(-ret));
		return ret == -E2BIG ? EXIT_PARAM : EXIT_ERR;
	}
	fd = tunfilter_connect(opt.socket);
	if (fd < 0)
		goto out;
	ret = tunfilter_send(fd, req, req_len);
	if (ret) {
		fprintf(stderr, "tunfilter: sending to tunfilterd: %s\n", strerror(-ret));
		goto out_close;
	}
	status = tunfilter_receive(fd);
out_close:
	close(fd);
out:
	free(req);
	return status;
}
