// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood: the C half of bench/flood.sh. Each command does one thing in the
 * network namespace it is started in (flood.sh enters the namespaces):
 *
 *   flood gen DEV DST_MAC SRC_IP DST_IP DPORT SECONDS [FRAME_BYTES [PPS [udp|syn]]]
 *	sends UDP frames (64 bytes, or FRAME_BYTES from 60 to 1514; at most
 *	PPS frames a second if given; PPS 0: no cap), or TCP SYNs with valid
 *	checksums (syn, from port 40000), out of DEV for SECONDS: BPF_PROG_RUN of an XDP
 *	program with BPF_F_TEST_XDP_LIVE_FRAMES that redirects every frame to
 *	DEV. Prints "sent N frames in S s".
 *   flood xdp DEV bare-drop|lifeline [FLOWS]
 *	attaches (native mode) the bare XDP_DROP program, or lifeline at
 *	critical with FLOWS exact flows and the benchmark's endpoint rules,
 *	and exits; the program stays attached until `ip link set DEV xdp off`.
 *   flood send SRC_IP DST_IP DPORT SECONDS [PPS]
 *	sends 64-byte UDP datagrams from a socket bound to SRC_IP (sendmmsg,
 *	64 at a time), through the sender's own stack, at most PPS a second
 *	if given (0 or absent: as fast as it can). The pacing holds the
 *	average over the run, so a flood is of the same strength in every
 *	case of a benchmark as long as the CPU can send PPS. Prints "sent N
 *	datagrams in S s" at the end (SIGTERM ends it early).
 *   flood tc DEV [lifeline [FLOWS]]
 *	attaches the bare tc program (TC_ACT_SHOT), or lifeline's ll_tc_policy
 *	(attach --mode tc) at critical with FLOWS exact flows and the
 *	benchmark's endpoint rules, on DEV's clsact ingress; it stays until
 *	`tc qdisc del dev DEV clsact`.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "benchlib.h"
#include "bare.skel.h"
#include "trafgen.skel.h"

#define GEN_BATCH (1U << 16)	/* frames per BPF_PROG_RUN call; the stop time is checked between */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int dev_mac(const char *dev, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/* The IPv4 header checksum, which pkt.h leaves to the caller: the stack checks it. */
static void ip4_csum(__u8 *ip)
{
	__u32 sum = 0;
	int hl = (ip[0] & 0xf) * 4;

	ip[10] = ip[11] = 0;
	for (int i = 0; i < hl; i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
}

/* Makes the TCP segment at tcp (hdr 20 bytes, len bytes in all) a SYN, checksummed. */
static void tcp4_syn(__u8 *ip, __u8 *tcp, int len)
{
	__u32 sum = IPPROTO_TCP + len;

	tcp[4] = 0x12;		/* a sequence number */
	tcp[13] = 0x02;		/* SYN */
	tcp[14] = 0xff;		/* window */
	tcp[16] = tcp[17] = 0;
	for (int i = 12; i < 20; i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	for (int i = 0; i < len; i += 2)
		sum += (tcp[i] << 8) | (i + 1 < len ? tcp[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	tcp[16] = sum >> 8;
	tcp[17] = sum & 0xff;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_gen(int argc, char **argv)
{
	struct pkt_spec s = { .proto = IPPROTO_UDP, .sport = 40000, .payload = 18 };
	struct trafgen_bpf *skel = NULL;
	__u8 frame[1514], dmac[6], smac[6];
	unsigned long long sent = 0;
	unsigned int batch = GEN_BATCH;
	double secs, t0, t, pps = 0;
	unsigned int ifindex;
	size_t len;
	int err = 0, syn = 0;

	if (argc < 7 || argc > 10 || (argc == 10 && strcmp(argv[9], "udp") && strcmp(argv[9], "syn"))) {
		fprintf(stderr, "usage: flood gen DEV DST_MAC SRC_IP DST_IP DPORT SECONDS "
			"[FRAME_BYTES [PPS [udp|syn]]]\n");
		return EXIT_FAILURE;
	}
	if (argc == 10 && !strcmp(argv[9], "syn")) {
		syn = 1;
		s.proto = IPPROTO_TCP;
		s.payload = 6;	/* 60-byte frames: 14 + 20 + 20 + 6 */
	}
	if (argc >= 9 && strcmp(argv[8], "0")) {
		pps = strtod(argv[8], NULL);
		if (pps < 100) {
			fprintf(stderr, "flood gen: PPS %s: at least 100, or 0 for no cap\n", argv[8]);
			return EXIT_FAILURE;
		}
		/* batches of a hundredth of a second */
		batch = pps / 100 < GEN_BATCH ? (unsigned int)(pps / 100) : GEN_BATCH;
	}
	if (argc >= 8) {
		int want = atoi(argv[7]);

		if (want < 60 || want > 1514) {
			fprintf(stderr, "flood gen: FRAME_BYTES %s: from 60 to 1514\n", argv[7]);
			return EXIT_FAILURE;
		}
		s.payload = want - 14 - 20 - (syn ? 20 : 8);
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex || dev_mac(argv[1], smac) || parse_mac(argv[2], dmac)) {
		fprintf(stderr, "flood gen: no interface %s here, or bad MAC %s\n", argv[1],
			argv[2]);
		return EXIT_FAILURE;
	}
	s.src = argv[3];
	s.dst = argv[4];
	s.dport = atoi(argv[5]);
	secs = atof(argv[6]);
	/* by default 64-byte frames on the wire: 14 + 20 + 8 + 18 (pkt.h pads to 60 anyway) */
	len = pkt_build(frame, sizeof(frame), &s);
	if (!len || strchr(s.src, ':')) {
		fprintf(stderr, "flood gen: bad IPv4 addresses %s -> %s\n", s.src, s.dst);
		return EXIT_FAILURE;
	}
	memcpy(frame, dmac, 6);
	memcpy(frame + 6, smac, 6);
	ip4_csum(frame + 14);
	if (syn)
		tcp4_syn(frame + 14, frame + 34, ((frame[16] << 8) | frame[17]) - 20);

	skel = trafgen_bpf__open();
	if (!skel) {
		err = -errno;
		goto cleanup;
	}
	skel->rodata->tg_ifindex = ifindex;
	err = trafgen_bpf__load(skel);
	if (err)
		goto cleanup;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	for (t = t0; !stop && t - t0 < secs; t = now_s()) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .repeat = batch, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (pps && sent > (t - t0) * pps) {
			usleep((useconds_t)((sent / pps - (t - t0)) * 1e6));
			continue;
		}
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tg_redirect), &opts)) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		sent += batch;
	}
	printf("sent %llu frames in %.2f s (%.0f frames/s offered)\n", sent, t - t0,
	       sent / (t - t0));
cleanup:
	trafgen_bpf__destroy(skel);
	if (err) {
		fprintf(stderr, "flood gen: %s (kernel >= 5.18 with BPF_F_TEST_XDP_LIVE_FRAMES; root)\n",
			strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int cmd_xdp(int argc, char **argv)
{
	__u32 flags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
	struct lifeline_bpf *ll = NULL;
	struct bare_bpf *bare = NULL;
	unsigned int ifindex;
	int err = 0, fd;

	if (argc < 3 || (strcmp(argv[2], "bare-drop") && strcmp(argv[2], "lifeline"))) {
		fprintf(stderr, "usage: flood xdp DEV bare-drop|lifeline [FLOWS]\n");
		return EXIT_FAILURE;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "flood xdp: no interface %s here\n", argv[1]);
		return EXIT_FAILURE;
	}
	if (!strcmp(argv[2], "lifeline")) {
		__u32 nflows = argc > 3 ? strtoul(argv[3], NULL, 0) : 1000000;
		double t0 = now_s();

		ll = bench_lifeline_critical(nflows);
		if (!ll) {
			err = -errno;
			goto cleanup;
		}
		fd = bpf_program__fd(ll->progs.ll_xdp);
		printf("lifeline at critical: %u flows, %d rules loaded in %.2f s\n", nflows,
		       BENCH_NR_RULES, now_s() - t0);
	} else {
		bare = bare_bpf__open_and_load();
		if (!bare) {
			err = -errno;
			goto cleanup;
		}
		fd = bpf_program__fd(bare->progs.bare_xdp_drop);
	}
	err = bpf_xdp_attach(ifindex, fd, flags, NULL);
cleanup:
	lifeline_bpf__destroy(ll);
	bare_bpf__destroy(bare);
	if (err) {
		fprintf(stderr, "flood xdp: attaching %s to %s: %s\n", argv[2], argv[1],
			strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int cmd_tc(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 1, .priority = 1);
	struct lifeline_bpf *ll = NULL;
	struct bare_bpf *bare = NULL;
	int err;

	if (argc < 2 || argc > 4 || (argc > 2 && strcmp(argv[2], "lifeline"))) {
		fprintf(stderr, "usage: flood tc DEV [lifeline [FLOWS]]\n");
		return EXIT_FAILURE;
	}
	hook.ifindex = if_nametoindex(argv[1]);
	if (!hook.ifindex) {
		fprintf(stderr, "flood tc: no interface %s here\n", argv[1]);
		return EXIT_FAILURE;
	}
	if (argc > 2) {
		ll = bench_lifeline_critical(argc > 3 ? strtoul(argv[3], NULL, 0) : 1000000);
		if (!ll) {
			err = -errno;
			goto cleanup;
		}
		tc.prog_fd = bpf_program__fd(ll->progs.ll_tc_policy);
	} else {
		bare = bare_bpf__open_and_load();
		if (!bare) {
			err = -errno;
			goto cleanup;
		}
		tc.prog_fd = bpf_program__fd(bare->progs.bare_tc_shot);
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		goto cleanup;
	err = bpf_tc_attach(&hook, &tc);
cleanup:
	lifeline_bpf__destroy(ll);
	bare_bpf__destroy(bare);
	if (err) {
		fprintf(stderr, "flood tc: attaching to %s: %s\n", argv[1], strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int cmd_send(int argc, char **argv)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	static char payload[64];
	struct iovec iov = { payload, sizeof(payload) };
	struct mmsghdr msgs[64];
	unsigned long long sent = 0;
	double secs, pps = 0, t0, t;
	int fd;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: flood send SRC_IP DST_IP DPORT SECONDS [PPS]\n");
		return EXIT_FAILURE;
	}
	if (inet_pton(AF_INET, argv[1], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1 || atoi(argv[3]) <= 0 || atoi(argv[3]) > 65535) {
		fprintf(stderr, "flood send: bad IPv4 address or port: %s -> %s:%s\n", argv[1], argv[2], argv[3]);
		return EXIT_FAILURE;
	}
	dst.sin_port = htons(atoi(argv[3]));
	secs = strtod(argv[4], NULL);
	if (argc == 6)
		pps = strtod(argv[5], NULL);
	if (secs <= 0 || pps < 0) {
		fprintf(stderr, "flood send: SECONDS %s / PPS %s out of range\n", argv[4], argc == 6 ? argv[5] : "-");
		return EXIT_FAILURE;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		fprintf(stderr, "flood send: %s -> %s:%s: %s\n", argv[1], argv[2], argv[3], strerror(errno));
		return EXIT_FAILURE;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 64; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	for (t = t0; !stop && t - t0 < secs; t = now_s()) {
		int r;

		if (pps && sent >= (t - t0) * pps) {
			double ahead = sent / pps - (t - t0);

			usleep(ahead > 0.01 ? 10000 : (useconds_t)(ahead * 1e6) + 1);
			continue;
		}
		r = sendmmsg(fd, msgs, 64, 0);
		if (r > 0)
			sent += r;
	}
	close(fd);
	printf("sent %llu datagrams in %.2f s\n", sent, now_s() - t0);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_print);
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "xdp"))
		return cmd_xdp(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "tc"))
		return cmd_tc(argc - 1, argv + 1);
	fprintf(stderr, "usage: flood gen|send|xdp|tc ... (see bench/flood.sh)\n");
	return EXIT_FAILURE;
}
