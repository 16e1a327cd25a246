// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nbdload: real block I/O against an NBD server, measured. Alternates a
 * write of one block and a read of it back, verifying every byte, for a
 * given time; prints one line per interval (ops, MB/s, p50/p99 latency) and
 * a summary. Used by the demo and the benchmarks. With --warmup, the first
 * SECONDS of I/O (connection start, TCP slow start) are done but not counted.
 * With --reconnect, a new connection every SECONDS (its set-up time counted):
 * one connection's throughput on a veth settles at one of two levels ~1.6x
 * apart (bench/README.md), so a phase that spans several is steadier.
 *   nbdload URI SECONDS [--block BYTES] [--interval-ms MS] [--span BYTES] [--warmup S]
 *           [--reconnect S] [--json]
 * Exit status: 0, or 1 on a connection error or any verification failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <libnbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SAMPLES (1 << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(p * (n - 1))];
}

struct window {
	double *lat;		/* seconds per op */
	size_t n;
	uint64_t bytes;
};

static void report(const char *tag, double t, double span, struct window *w, uint64_t bad, int json)
{
	double p50 = pct(w->lat, w->n, 0.50) * 1e6, p99 = pct(w->lat, w->n, 0.99) * 1e6;
	double mbps = span > 0 ? w->bytes / span / 1e6 : 0;

	if (json)
		printf("{\"%s\":%.3f,\"ops\":%zu,\"mb_per_s\":%.2f,\"p50_us\":%.0f,\"p99_us\":%.0f,"
		       "\"verify_failures\":%" PRIu64 "}\n", tag, t, 2 * w->n, mbps, p50, p99, bad);
	else
		printf("%s=%.1f ops=%zu mb_per_s=%.2f p50_us=%.0f p99_us=%.0f verify_failures=%" PRIu64
		       "\n", tag, t, 2 * w->n, mbps, p50, p99, bad);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	size_t block = 65536, interval_ms = 1000;
	uint64_t span = 64ULL << 20, bad = 0, off = 0, seq = 0;
	struct window win = {}, all = {};
	double start, end, wstart;
	struct nbd_handle *nbd;
	char *wbuf, *rbuf;
	double warmup = 0, reconnect = 0, connected;
	int json = 0, ret = 1;
	int64_t size;

	if (argc < 3) {
		fprintf(stderr, "usage: nbdload URI SECONDS [--block BYTES] [--interval-ms MS] "
			"[--span BYTES] [--warmup SECONDS] [--reconnect SECONDS] [--json]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--block") && i + 1 < argc)
			block = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc)
			interval_ms = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--span") && i + 1 < argc)
			span = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			warmup = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reconnect") && i + 1 < argc)
			reconnect = atof(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else {
			fprintf(stderr, "nbdload: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!block || block > (32 << 20) || !interval_ms || warmup < 0 || reconnect < 0) {
		fprintf(stderr, "nbdload: bad --block, --interval-ms, --warmup or --reconnect\n");
		return 2;
	}
	nbd = nbd_create();
	if (!nbd || nbd_connect_uri(nbd, argv[1]) == -1) {
		fprintf(stderr, "nbdload: %s\n", nbd_get_error());
		return 1;
	}
	size = nbd_get_size(nbd);
	if (size < (int64_t)block) {
		fprintf(stderr, "nbdload: export too small\n");
		goto out;
	}
	if ((int64_t)span > size)
		span = size;
	wbuf = malloc(block);
	rbuf = malloc(block);
	win.lat = calloc(MAX_SAMPLES, sizeof(double));
	all.lat = calloc(MAX_SAMPLES, sizeof(double));
	if (!wbuf || !rbuf || !win.lat || !all.lat)
		goto out;

	memset(wbuf, 0xa5, block);
	start = now_s();
	while (now_s() < start + warmup) {	/* same I/O, verified, not counted */
		if (nbd_pwrite(nbd, wbuf, block, 0, 0) == -1 || nbd_pread(nbd, rbuf, block, 0, 0) == -1) {
			fprintf(stderr, "nbdload: %s\n", nbd_get_error());
			goto out;
		}
		if (memcmp(wbuf, rbuf, block))
			bad++;
	}
	start = wstart = connected = now_s();
	end = start + atof(argv[2]);
	while (now_s() < end) {
		double t0 = now_s(), dt;

		if (reconnect > 0 && t0 - connected >= reconnect) {
			nbd_shutdown(nbd, 0);
			nbd_close(nbd);
			nbd = nbd_create();
			if (!nbd || nbd_connect_uri(nbd, argv[1]) == -1) {
				fprintf(stderr, "nbdload: %s\n", nbd_get_error());
				goto out;
			}
			connected = now_s();
		}

		/* a pattern unique to this offset and pass, so a stale read is caught */
		for (size_t i = 0; i < block; i += 8) {
			uint64_t v = (off + i) ^ (seq * 0x9e3779b97f4a7c15ULL);

			memcpy(wbuf + i, &v, block - i < 8 ? block - i : 8);
		}
		if (nbd_pwrite(nbd, wbuf, block, off, 0) == -1 ||
		    nbd_pread(nbd, rbuf, block, off, 0) == -1) {
			fprintf(stderr, "nbdload: %s\n", nbd_get_error());
			goto out;
		}
		if (memcmp(wbuf, rbuf, block))
			bad++;
		dt = now_s() - t0;
		if (win.n < MAX_SAMPLES)
			win.lat[win.n++] = dt / 2;	/* per op: a write and a read */
		if (all.n < MAX_SAMPLES)
			all.lat[all.n++] = dt / 2;
		win.bytes += 2 * block;
		all.bytes += 2 * block;
		off += block;
		if (off + block > span) {
			off = 0;
			seq++;
		}
		if (now_s() - wstart >= interval_ms / 1000.0) {
			double t = now_s();

			report("t", t - start, t - wstart, &win, bad, json);
			win.n = 0;
			win.bytes = 0;
			wstart = t;
		}
	}
	report("total", now_s() - start, now_s() - start, &all, bad, json);
	ret = bad ? 1 : 0;
out:
	if (nbd)
		nbd_shutdown(nbd, 0);
	nbd_close(nbd);
	return ret;
}
