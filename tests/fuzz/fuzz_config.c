// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The INI configuration (config_load) on arbitrary text. config_load reads
 * a path, as the daemon's start, --check-config and reload do, so the
 * input is written to one temporary file per process first.
 *
 * Properties: a refused file has a message that starts with the file's
 * name ("FILE:LINE: ..." or "FILE: ..."); an accepted one stays inside the
 * bounds config.h declares and names only interfaces it defines; loading
 * the same text twice gives the same answer.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "daemon/config.h"
#include "fuzz.h"

static char fuzz_path[] = "/tmp/tf-fuzz-config-XXXXXX";
static int fuzz_fd = -1;

static void fuzz_cleanup(void)
{
	if (fuzz_fd >= 0)
		unlink(fuzz_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_fd = mkstemp(fuzz_path);
	FUZZ_CHECK(fuzz_fd >= 0, "mkstemp: %s", strerror(errno));
	atexit(fuzz_cleanup);
	return 0;
}

static void fuzz_write(const uint8_t *data, size_t size)
{
	size_t done = 0;

	FUZZ_CHECK(ftruncate(fuzz_fd, 0) == 0, "ftruncate: %s", strerror(errno));
	while (done < size) {
		ssize_t n = pwrite(fuzz_fd, data + done, size - done, (off_t)done);

		FUZZ_CHECK(n > 0, "pwrite: %s", strerror(errno));
		done += (size_t)n;
	}
}

static void fuzz_check_config(const struct config *cfg)
{
	unsigned int i;

	FUZZ_CHECK(cfg->n_ifaces <= ROUTER_MAX_IFACES, "%u interfaces", cfg->n_ifaces);
	FUZZ_CHECK(cfg->n_routes <= CONFIG_MAX_ROUTES, "%u routes", cfg->n_routes);
	FUZZ_CHECK(cfg->queue.n_nums <= CONFIG_MAX_QUEUES, "%u queues", cfg->queue.n_nums);
	FUZZ_CHECK(cfg->batch >= 1 && cfg->batch <= 1024, "batch %u", cfg->batch);
	for (i = 0; i < cfg->n_ifaces; i++) {
		const struct config_iface *ifc = &cfg->ifaces[i];

		FUZZ_CHECK(memchr(ifc->name, '\0', sizeof(ifc->name)) && ifc->name[0],
			   "interface %u has no name", i);
		FUZZ_CHECK(config_iface_find(cfg, ifc->name) == ifc, "interface %s twice",
			   ifc->name);
		FUZZ_CHECK(ifc->address.plen <= 32 && ifc->peer_address.plen <= 32, "plen");
		FUZZ_CHECK(ifc->n_peer_routes <= CONFIG_MAX_PEER_ROUTES, "peer routes");
	}
	for (i = 0; i < cfg->n_routes; i++) {
		FUZZ_CHECK(cfg->routes[i].dst.plen <= 32, "route plen");
		FUZZ_CHECK(config_iface_find(cfg, cfg->routes[i].ifname),
			   "route %u via an interface not defined: \"%s\"", i,
			   cfg->routes[i].ifname);
	}
	FUZZ_CHECK(config_log_level_name(cfg->log_level), "log level %d", cfg->log_level);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg, again;
	char err[CONFIG_ERR_MAX], err2[CONFIG_ERR_MAX];
	size_t plen = strlen(fuzz_path);
	int rc, rc2;

	fuzz_write(data, size);
	rc = config_load(&cfg, fuzz_path, err, sizeof(err));
	if (getenv("TF_FUZZ_VERBOSE"))
		fprintf(stderr, "config_load: %d %s\n", rc, rc ? err : "");
	if (rc) {
		FUZZ_CHECK(!strncmp(err, fuzz_path, plen) && err[plen] == ':',
			   "refused (%d) with a message not naming the file: \"%s\"", rc, err);
	} else {
		fuzz_check_config(&cfg);
	}
	rc2 = config_load(&again, fuzz_path, err2, sizeof(err2));
	FUZZ_CHECK(rc == rc2 && (!rc || !strcmp(err, err2)),
		   "two loads differ: %d \"%s\", %d \"%s\"", rc, rc ? err : "", rc2,
		   rc2 ? err2 : "");
	if (!rc)
		config_free(&cfg);
	if (!rc2)
		config_free(&again);
	return 0;
}
