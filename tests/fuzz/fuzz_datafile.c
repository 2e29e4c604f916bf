/*
 * fuzz_datafile.c - libFuzzer target: the readers of files people edit by
 * hand: CSV and "key: value" data files (core/datafile.h), the config file
 * (core/config.h) and the staffed-hours files (domain/staffing.h). The
 * input is written to a temporary file and read each way.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/datafile.h"
#include "domain/staffing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row(void *arg, char **fields, int n, char *why, size_t whylen)
{
	(void)arg;
	(void)why;
	(void)whylen;
	for (int i = 0; i < n; i++)
		if (!fields[i])
			abort();
	return 0;
}

static char dir[64];

static void write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/bb-fuzz-datafile-%d", (int)getpid());
		if (mkdir(dir, 0700) != 0)
			abort();
	}
	static const char *const header[] = {"department", "days", "opens", "closes"};
	char err[512], path[128];
	write_file("staffed_hours.csv", data, size);
	snprintf(path, sizeof(path), "%s/staffed_hours.csv", dir);
	datafile_read_csv(path, header, 4, row, NULL, err, sizeof(err));
	datafile_read_kv(path, row, NULL, err, sizeof(err));
	struct config cfg;
	config_defaults(&cfg);
	config_load_file(&cfg, path, err, sizeof(err));
	struct staffing *s = staffing_load(dir, err, sizeof(err));
	if (s)
		staffing_next_open(s, "Borgerservice", 1800000000000LL);
	staffing_free(s);
	return 0;
}
