// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test helper for tests/t_daemon.sh (not a test itself).
 *   llstate PIN                      the state map as key=value lines, with
 *                                    the effective level from ll_level_of()
 *   llstate PIN override LEVEL|clear set or clear the manual override, as
 *                                    `lifeline pressure set` does
 *   llstate PIN kernel LEVEL MS      raise the kernel vote to LEVEL for MS ms
 *                                    (source vmscan), as a tracepoint program
 *                                    does, but with no ring buffer event (as
 *                                    when the event was rate-limited)
 *   llstate PIN xdp                  run the XDP program once on a UDP
 *                                    packet (BPF_PROG_TEST_RUN, no interface)
 *                                    and print its verdict
 *   llstate PIN prefilter            check the remote prefilter against the
 *                                    tables: every slot counts exactly the
 *                                    flows and host entries it covers (run
 *                                    it when nothing changes them: the
 *                                    invariant while writers run is >=)
 *   llstate events SOCK N MS         print up to N lines from the events
 *                                    socket, waiting at most MS in all
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "engine.h"
#include "pkt.h"
#include "lifeline.skel.h"

static const struct ll_load_opts net_progs = { .progs = LL_PROGS_NET };

static int level_parse(const char *s, __u32 *level)
{
	for (__u32 i = 0; i < LL_LEVEL_MAX; i++) {
		if (!strcmp(s, ll_level_name(i))) {
			*level = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int show(const struct ll_maps *m)
{
	struct ll_state s;
	__u64 now = ll_now_ns();
	__u32 level, source;
	int expired;

	memcpy(&s, (const void *)m->state, sizeof(s));
	level = ll_level_of(&s, now, &source, &expired);
	printf("daemon_level=%s\n", ll_level_name(s.daemon.level));
	printf("daemon_source=%s\n", ll_source_name(s.daemon.source));
	printf("daemon_since_ns=%llu\n", (unsigned long long)s.daemon.since_ns);
	printf("daemon_expires_ns=%llu\n", (unsigned long long)s.daemon.expires_ns);
	if (s.daemon.expires_ns)
		printf("daemon_lease_ms=%lld\n",
		       ((long long)s.daemon.expires_ns - (long long)now) / 1000000);
	else
		printf("daemon_lease_ms=none\n");
	printf("override_active=%u\n", s.override_active);
	printf("override_level=%s\n", ll_level_name(s.override.level));
	printf("kernel_level=%s\n", ll_level_name(s.kernel.level));
	printf("effective=%s\n", ll_level_name(level));
	printf("effective_source=%s\n", ll_source_name(source));
	printf("expired=%d\n", expired);
	printf("generation=%llu\n", (unsigned long long)s.generation);
	printf("budget_rate=%llu\n", (unsigned long long)s.budget_rate);
	printf("budget_burst=%llu\n", (unsigned long long)s.budget_burst);
	printf("budget_pps=%llu\n", (unsigned long long)s.budget_pps);
	return 0;
}

static int kernel_vote(struct ll_maps *m, const char *lvl, const char *ms)
{
	volatile struct ll_state *s = m->state;
	__u64 now = ll_now_ns();
	__u32 level;

	if (level_parse(lvl, &level) || atoi(ms) <= 0)
		return -EINVAL;
	s->kernel.since_ns = now;
	s->kernel.source = LL_SRC_VMSCAN;
	s->kernel.level = level;
	__atomic_store_n(&s->kernel.expires_ns, now + (__u64)atoi(ms) * 1000000ULL,
			 __ATOMIC_RELEASE);
	return 0;
}

static int override(struct ll_maps *m, const char *arg)
{
	struct ll_state *s = m->state;
	__u32 level;

	if (!strcmp(arg, "clear")) {
		__atomic_store_n(&s->override_active, 0, __ATOMIC_RELEASE);
		return 0;
	}
	if (level_parse(arg, &level))
		return -EINVAL;
	s->override.level = level;
	s->override.source = LL_SRC_MANUAL;
	s->override.since_ns = ll_now_ns();
	s->override.expires_ns = 0;
	__atomic_store_n(&s->override_active, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The datapath on one packet, sharing the pinned maps: it may emit events. */
static int xdp_run(const char *pin)
{
	struct pkt_spec spec = { .src = "198.51.100.9", .dst = "192.0.2.1", .proto = IPPROTO_UDP,
				 .sport = 4000, .dport = 5000, .payload = 64 };
	struct lifeline_bpf *skel;
	__u8 pkt[1600];
	size_t len = pkt_build(pkt, sizeof(pkt), &spec);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len, .repeat = 1);
	int err;

	err = ll_skel_load(&skel, pin, &net_progs);
	if (err)
		return err;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ll_xdp), &o);
	if (!err)
		printf("xdp_retval=%u\n", o.retval);
	lifeline_bpf__destroy(skel);
	return err;
}

static int events(const char *path, int count, int ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd, got = 0, len = 0;
	__u64 deadline = ll_now_ns() + (__u64)ms * 1000000ULL;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int e = -errno;

		close(fd);
		return e;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (got < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		__u64 now = ll_now_ns();
		ssize_t n;
		char *nl;

		if (now >= deadline || poll(&p, 1, (int)((deadline - now) / 1000000ULL) + 1) <= 0)
			break;
		n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len);
		if (n <= 0)
			break;
		len += (int)n;
		buf[len] = '\0';
		while (got < count && (nl = strchr(buf, '\n'))) {
			fwrite(buf, 1, (size_t)(nl - buf) + 1, stdout);
			got++;
			len -= (int)(nl - buf) + 1;
			memmove(buf, nl + 1, (size_t)len + 1);
		}
	}
	close(fd);
	return 0;
}

/* Counts host entries per prefilter slot into want (hosts). */
static int count_hosts(int fd, struct ll_remote_cnt *want)
{
	__u64 k, next;
	int first = 1;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		struct ll_host_val hv;

		if (bpf_map_lookup_elem(fd, &next, &hv))
			return -errno;
		want[ll_remote_slot(hv.addr, hv.proto)].hosts++;
		k = next;
		first = 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int prefilter(struct ll_maps *m)
{
	struct ll_remote_cnt *want = calloc(1U << LL_REMOTE_BITS, sizeof(*want));
	struct ll_flow_entry *all = NULL;
	long n;
	int err, bad = 0;

	if (!want)
		return -ENOMEM;
	err = ll_maps_flows(m);
	n = err ? err : ll_flowtab_scan(&m->flows, &all);
	if (n < 0) {
		free(want);
		return (int)n;
	}
	for (long i = 0; i < n; i++)
		ll_remote_of(want, all[i].key.remote, all[i].key.proto)->flows++;
	err = count_hosts(m->fd[LL_MAP_RULE_HOSTS], want);
	if (!err)
		err = count_hosts(m->fd[LL_MAP_ALLOW_HOSTS], want);
	for (__u32 i = 0; !err && i < 1U << LL_REMOTE_BITS; i++) {
		if (want[i].flows != m->flows.rc[i].flows || want[i].hosts != m->flows.rc[i].hosts) {
			if (bad++ < 5)
				printf("slot %u: counts %u flows %u hosts, tables hold %u and %u\n", i,
				       m->flows.rc[i].flows, m->flows.rc[i].hosts, want[i].flows,
				       want[i].hosts);
		}
	}
	if (!err)
		printf("prefilter %s: %ld flows\n", bad ? "MISMATCH" : "exact", n);
	free(all);
	free(want);
	return err ? err : bad ? -EUCLEAN : 0;
}

int main(int argc, char **argv)
{
	struct ll_maps m;
	int err;

	if (argc == 5 && !strcmp(argv[1], "events")) {
		err = events(argv[2], atoi(argv[3]), atoi(argv[4]));
		if (err)
			fprintf(stderr, "llstate: %s: %s\n", argv[2], strerror(-err));
		return err ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (argc == 3 && !strcmp(argv[2], "xdp")) {
		err = xdp_run(argv[1]);
		if (err)
			fprintf(stderr, "llstate: xdp: %s\n", strerror(-err));
		return err ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (argc == 5 && !strcmp(argv[2], "kernel")) {
		err = ll_maps_open(&m, argv[1]);
		if (!err) {
			err = kernel_vote(&m, argv[3], argv[4]);
			ll_maps_close(&m);
		}
		if (err)
			fprintf(stderr, "llstate: kernel: %s\n", strerror(-err));
		return err ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "override")) &&
	    !(argc == 3 && !strcmp(argv[2], "prefilter"))) {
		fprintf(stderr, "usage: llstate PIN [override LEVEL|clear | kernel LEVEL MS | xdp | "
			"prefilter] | "
			"llstate events SOCK N MS\n");
		return EXIT_FAILURE;
	}
	err = ll_maps_open(&m, argv[1]);
	if (err) {
		fprintf(stderr, "llstate: %s: %s\n", argv[1], strerror(-err));
		return EXIT_FAILURE;
	}
	err = argc == 2 ? show(&m) : argc == 3 ? prefilter(&m) : override(&m, argv[3]);
	if (err)
		fprintf(stderr, "llstate: %s\n", strerror(-err));
	ll_maps_close(&m);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
