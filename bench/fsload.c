// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fsload: block I/O through a real filesystem, measured and verifiable.
 *
 *   fsload seq DIR SECONDS [--json] [--interval-ms MS] [--warmup S]
 *       buffered 1 MiB writes to DIR/seq.dat (64 MiB, rewritten in a loop),
 *       fsync after every 8 MiB; MB/s counts bytes whose fsync returned;
 *       latency figures are those of the fsyncs
 *   fsload fsync DIR SECONDS [...]
 *       4 KiB writes to DIR/small.dat (16 MiB), each followed by fsync;
 *       IOPS and latency of write+fsync
 *   fsload prep DIR
 *       writes both files whole and fsyncs them, so that a measurement
 *       overwrites allocated blocks (the first writes to a new file also
 *       allocate, and their journal commits would be counted)
 *   fsload verify DIR
 *       reads every file fsload wrote and checks each 4 KiB block
 *
 * Every 4 KiB block written carries its file offset, a generation and a
 * pseudo-random fill derived from both, so `verify` finds any block that is
 * torn, misplaced or foreign (a block never written is all zeroes and
 * passes). One JSON line per interval ({"t":...}) and a summary
 * ({"total":...}); with the same fields in text without --json.
 * Exit status: 0, or 1 on an I/O error or (verify) any bad block.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLK		4096
#define MAGIC		0x6c6966656c696e65ULL	/* "lifeline" */
#define SEQ_FILE	"seq.dat"
#define SEQ_SIZE	(64ULL << 20)
#define SEQ_CHUNK	(1 << 20)
#define SEQ_SYNC	(8ULL << 20)
#define SMALL_FILE	"small.dat"
#define SMALL_SIZE	(16ULL << 20)
#define MAX_SAMPLES	(1 << 20)

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
	return v[(size_t)(p * (n - 1) + 0.5)];
}

/* One block: header (magic, offset, generation), then a fill from both. */
static void fill_block(uint64_t *b, uint64_t off, uint64_t gen)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ULL ^ (gen + 1) * 0xbf58476d1ce4e5b9ULL;

	b[0] = MAGIC;
	b[1] = off;
	b[2] = gen;
	for (size_t i = 3; i < BLK / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = x;
	}
}

static int block_ok(const uint64_t *b, uint64_t off)
{
	static uint64_t want[BLK / 8];

	for (size_t i = 0; i < BLK / 8; i++)
		if (b[i])
			goto written;
	return 1;	/* never written */
written:
	if (b[0] != MAGIC || b[1] != off)
		return 0;
	fill_block(want, off, b[2]);
	return !memcmp(b, want, BLK);
}

static int verify_file(const char *dir, const char *name, uint64_t *blocks, uint64_t *bad)
{
	static uint64_t buf[SEQ_CHUNK / 8];
	char path[4096];
	uint64_t off = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i + BLK <= n; i += BLK) {
			*blocks += 1;
			if (!block_ok(buf + i / 8, off + i)) {
				if (*bad < 5)
					fprintf(stderr, "fsload: %s: bad block at offset %" PRIu64 "\n", path, off + i);
				*bad += 1;
			}
		}
		off += n;
	}
	close(fd);
	return n < 0 ? -errno : 0;
}

struct window {
	double *lat;
	size_t n;
	uint64_t bytes, ops;
};

static void report(const char *tag, double t, double span, struct window *w, int json)
{
	double p50 = pct(w->lat, w->n, 0.50) * 1e3, p99 = pct(w->lat, w->n, 0.99) * 1e3;
	double mbps = span > 0 ? w->bytes / span / 1e6 : 0, iops = span > 0 ? w->ops / span : 0;

	if (json)
		printf("{\"%s\":%.3f,\"mb_per_s\":%.2f,\"iops\":%.1f,\"syncs\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
		       tag, t, mbps, iops, w->n, p50, p99);
	else
		printf("%-5s %8.2f s %9.2f MB/s %9.1f IOPS %6zu syncs  p50 %8.3f ms  p99 %8.3f ms\n",
		       tag, t, mbps, iops, w->n, p50, p99);
	fflush(stdout);
}

static int usage(void)
{
	fprintf(stderr, "usage: fsload seq|fsync DIR SECONDS [--json] [--interval-ms MS] [--warmup S] | fsload prep|verify DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	static uint64_t buf[SEQ_CHUNK / 8];
	struct window win = { 0 }, all = { 0 };
	double secs, warmup = 0, interval = 1.0, t0, tstart, tlast, tend;
	int json = 0, seq, fd, rc = 0;
	uint64_t off = 0, gen = 0, unsynced = 0, fsize, blocks = 0, bad = 0;
	char path[4096];

	if (argc == 3 && !strcmp(argv[1], "prep")) {
		const char *names[] = { SEQ_FILE, SMALL_FILE };
		uint64_t sizes[] = { SEQ_SIZE, SMALL_SIZE };

		for (int f = 0; f < 2; f++) {
			snprintf(path, sizeof(path), "%s/%s", argv[2], names[f]);
			fd = open(path, O_WRONLY | O_CREAT, 0600);
			if (fd < 0)
				return fprintf(stderr, "fsload: %s: %s\n", path, strerror(errno)), 1;
			for (off = 0; off < sizes[f]; off += SEQ_CHUNK) {
				for (size_t i = 0; i < SEQ_CHUNK; i += BLK)
					fill_block(buf + i / 8, off + i, 0);
				if (pwrite(fd, buf, SEQ_CHUNK, off) != SEQ_CHUNK)
					return fprintf(stderr, "fsload: write %s: %s\n", path, strerror(errno)), 1;
			}
			if (fsync(fd) || close(fd))
				return fprintf(stderr, "fsload: fsync %s: %s\n", path, strerror(errno)), 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "verify")) {
		int e1 = verify_file(argv[2], SEQ_FILE, &blocks, &bad);
		int e2 = verify_file(argv[2], SMALL_FILE, &blocks, &bad);

		if (e1 || e2) {
			fprintf(stderr, "fsload: verify %s: %s\n", argv[2], strerror(-(e1 ? e1 : e2)));
			return 1;
		}
		printf("{\"verified_blocks\":%" PRIu64 ",\"bad_blocks\":%" PRIu64 "}\n", blocks, bad);
		return bad ? 1 : 0;
	}
	if (argc < 4 || (strcmp(argv[1], "seq") && strcmp(argv[1], "fsync")))
		return usage();
	seq = !strcmp(argv[1], "seq");
	secs = atof(argv[3]);
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc)
			interval = atof(argv[++i]) / 1000;
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			warmup = atof(argv[++i]);
		else
			return usage();
	}
	if (secs <= 0 || interval <= 0 || warmup < 0)
		return usage();
	win.lat = calloc(MAX_SAMPLES, sizeof(double));
	all.lat = calloc(MAX_SAMPLES, sizeof(double));
	if (!win.lat || !all.lat)
		return fprintf(stderr, "fsload: out of memory\n"), 1;
	fsize = seq ? SEQ_SIZE : SMALL_SIZE;
	snprintf(path, sizeof(path), "%s/%s", argv[2], seq ? SEQ_FILE : SMALL_FILE);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return fprintf(stderr, "fsload: %s: %s\n", path, strerror(errno)), 1;
	/* the generation goes on from the file's last run, so blocks differ */
	srand48(time(NULL) ^ getpid());
	gen = (uint64_t)lrand48() << 20;

	t0 = now_s();
	tstart = t0 + warmup;
	tend = tstart + secs;
	tlast = tstart;
	while (now_s() < tend) {
		size_t len = seq ? SEQ_CHUNK : BLK;
		double a = now_s(), b;

		for (size_t i = 0; i < len; i += BLK)
			fill_block(buf + i / 8, off + i, gen);
		if (pwrite(fd, buf, len, off) != (ssize_t)len) {
			fprintf(stderr, "fsload: write %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		unsynced += len;
		off = (off + len) % fsize;
		if (!seq)
			off = (off * 7919 + BLK * 13) % fsize / BLK * BLK;	/* scattered */
		if (!seq || unsynced >= SEQ_SYNC || off == 0) {
			double c = now_s();

			if (fsync(fd)) {
				fprintf(stderr, "fsload: fsync %s: %s\n", path, strerror(errno));
				rc = 1;
				break;
			}
			b = now_s();
			if (b >= tstart) {
				double lat = seq ? b - c : b - a;

				if (win.n < MAX_SAMPLES)
					win.lat[win.n++] = lat;
				if (all.n < MAX_SAMPLES)
					all.lat[all.n++] = lat;
				win.bytes += unsynced;
				all.bytes += unsynced;
				win.ops++;
				all.ops++;
			}
			unsynced = 0;
			gen++;
		}
		b = now_s();
		if (b >= tstart && b - tlast >= interval) {
			report("t", b - tstart, b - tlast, &win, json);
			win.n = 0;
			win.bytes = win.ops = 0;
			tlast = b;
		}
	}
	close(fd);
	report("total", now_s() - tstart, now_s() - tstart, &all, json);
	free(win.lat);
	free(all.lat);
	return rc;
}
