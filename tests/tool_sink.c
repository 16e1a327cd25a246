// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The measuring end of tests/t_budget.sh:
 *   tool_sink ADDR PORT PIN_DIR SECONDS
 * binds a UDP socket on ADDR:PORT with a receive buffer of 1 GiB
 * (SO_RCVBUFFORCE) that never reads, so what reaches it stays queued and
 * its receive memory (SO_MEMINFO rmem_alloc) is the sum of the truesize of
 * the skbs the stack delivered. Prints "bound", waits for SIGUSR1, then
 * samples twice, SECONDS apart, at the same instants: that memory, the IP
 * packets the namespace's stack delivered (/proc/net/snmp InDelivers), and
 * each CPU's admitted bytes in lifeline's pinned ll_bucket map (in PIN_DIR).
 * In between, every 10 ms, it counts the frames the budget decided
 * (pass_budget + drop_budget, every hook) to find the longest stretch
 * without any: the flood's longest stall. Prints
 *   window S rmem BYTES delivered N stall S admitted A0 A1 ... frames F0 F1 ...
 * (the increases; frames: what the budget decided, passed or dropped, per
 * CPU: where the flood arrived). Timestamps from CLOCK_MONOTONIC around reads of a few
 * microseconds: no shell command's start-up in the measured interval.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lifeline.h"

#define MAX_CPUS 1024

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

struct sample {
	double t;
	__u64 rmem, delivered, admitted[MAX_CPUS], frames[MAX_CPUS];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ip_delivered(__u64 *out)
{
	char hdr[2048], val[2048], *hs, *vs, *h, *v;
	FILE *f = fopen("/proc/net/snmp", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, "Ip:", 3))
			continue;
		h = strtok_r(hdr, " \n", &hs);
		v = strtok_r(val, " \n", &vs);
		while (h && v) {
			if (!strcmp(h, "InDelivers")) {
				*out = strtoull(v, NULL, 10);
				err = 0;
			}
			h = strtok_r(NULL, " \n", &hs);
			v = strtok_r(NULL, " \n", &vs);
		}
		break;
	}
	fclose(f);
	return err;
}

/* Frames the budget decided so far, every hook: per CPU in per_cpu if given; the total. */
static __u64 budget_frames(int counters, int ncpus, __u64 *per_cpu)
{
	struct ll_counter c[ncpus];
	__u64 n = 0;

	if (per_cpu)
		memset(per_cpu, 0, sizeof(*per_cpu) * ncpus);
	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		__u32 keys[2] = { LL_COUNTER_IDX(h, LL_PASS_BUDGET), LL_COUNTER_IDX(h, LL_DROP_BUDGET) };

		for (int k = 0; k < 2; k++)
			if (!bpf_map_lookup_elem(counters, &keys[k], c))
				for (int i = 0; i < ncpus; i++) {
					n += c[i].packets;
					if (per_cpu)
						per_cpu[i] += c[i].packets;
				}
	}
	return n;
}

static int take(int sock, int map, int counters, int ncpus, struct sample *s)
{
	struct ll_bucket b[ncpus];
	__u32 mem[SK_MEMINFO_VARS], zero = 0;
	socklen_t len = sizeof(mem);
	double t0 = now_s();

	if (bpf_map_lookup_elem(map, &zero, b) ||
	    getsockopt(sock, SOL_SOCKET, SO_MEMINFO, mem, &len) || ip_delivered(&s->delivered))
		return -errno;
	budget_frames(counters, ncpus, s->frames);
	s->t = (t0 + now_s()) / 2;
	s->rmem = mem[SK_MEMINFO_RMEM_ALLOC];
	for (int c = 0; c < ncpus; c++)
		s->admitted[c] = b[c].admitted;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static struct sample s0, s1;
	int fd, map, counters, buf = 1 << 30, ncpus = libbpf_num_possible_cpus();
	double secs, last, stall = 0;
	char path[4096];
	__u64 seen;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 ||
	    (secs = atof(argv[4])) <= 0) {
		fprintf(stderr, "usage: tool_sink IPV4 PORT PIN_DIR SECONDS\n");
		return EXIT_FAILURE;
	}
	if (ncpus <= 0 || ncpus > MAX_CPUS) {
		fprintf(stderr, "tool_sink: %d CPUs\n", ncpus);
		return EXIT_FAILURE;
	}
	a.sin_port = htons(atoi(argv[2]));
	snprintf(path, sizeof(path), "%s/ll_bucket", argv[3]);
	map = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/ll_counters", argv[3]);
	counters = bpf_obj_get(path);
	if (map < 0 || counters < 0) {
		fprintf(stderr, "tool_sink: %s/ll_bucket, ll_counters: %s\n", argv[3], strerror(errno));
		return EXIT_FAILURE;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "tool_sink: %s:%s: %s\n", argv[1], argv[2], strerror(errno));
		return EXIT_FAILURE;
	}
	signal(SIGUSR1, on_usr1);
	printf("bound\n");
	fflush(stdout);
	for (int i = 0; !go && i < 600; i++)
		usleep(100000);
	if (!go) {
		fprintf(stderr, "tool_sink: no SIGUSR1 within a minute\n");
		return EXIT_FAILURE;
	}
	if (take(fd, map, counters, ncpus, &s0))
		goto fail;
	seen = budget_frames(counters, ncpus, NULL);
	last = s0.t;
	while (now_s() < s0.t + secs) {
		__u64 n;

		usleep(10000);
		n = budget_frames(counters, ncpus, NULL);
		if (n != seen) {
			seen = n;
			last = now_s();
		} else if (now_s() - last > stall) {
			stall = now_s() - last;
		}
	}
	if (take(fd, map, counters, ncpus, &s1))
		goto fail;
	printf("window %.6f rmem %llu delivered %llu stall %.3f admitted", s1.t - s0.t,
	       (unsigned long long)(s1.rmem - s0.rmem),
	       (unsigned long long)(s1.delivered - s0.delivered), stall);
	for (int c = 0; c < ncpus; c++)
		printf(" %llu", (unsigned long long)(s1.admitted[c] - s0.admitted[c]));
	printf(" frames");
	for (int c = 0; c < ncpus; c++)
		printf(" %llu", (unsigned long long)(s1.frames[c] - s0.frames[c]));
	printf("\n");
	return EXIT_SUCCESS;
fail:
	fprintf(stderr, "tool_sink: sampling: %s\n", strerror(errno));
	return EXIT_FAILURE;
}
