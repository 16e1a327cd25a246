// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic for the shell suites and the demo.
 *   tool_net send SRC DST PORT SECONDS [PAYLOAD]   UDP as fast as it can (sendmmsg)
 *   tool_net recv ADDR PORT SECONDS                counts UDP datagrams received
 *   tool_net tcphold DST PORT SECONDS              connects, prints "connected PORT
 *                                                  priority P mark M", holds, closes
 *   tool_net tcpsyn SRC SPORT DST DPORT            one connection attempt from SRC:SPORT
 *                                                  (1 s); prints "connected" or "failed"
 *   tool_net inject DEV DSTMAC KIND COUNT          COUNT raw frames of KIND (arp, nd,
 *                                                  ptb, fragneeded) out of DEV (AF_PACKET),
 *                                                  built by tests/pkt.h; prints "injected N"
 *   tool_net raw DEV DSTMAC udp|syn SRC SPORT DST DPORT SIZE COUNT
 *                                                  COUNT IPv4 frames of SIZE bytes (UDP, or
 *                                                  TCP SYNs padded to SIZE) with valid
 *                                                  checksums out of DEV (AF_PACKET: a frame
 *                                                  over a page arrives non-linear, its
 *                                                  linear part the Ethernet header alone);
 *                                                  prints "injected N"
 * Prints "sent N" / "received N" on stdout; send and recv also stop early on
 * SIGTERM (and still print), so a suite can run them "until done".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include "pkt.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sockaddr_of(const char *a, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u32 csum_add(__u32 sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

/* An IPv4 UDP datagram or TCP SYN of size bytes, checksums filled in; 0 if it does not fit. */
static size_t raw_frame(unsigned char *f, size_t cap, const unsigned char *mac, int syn,
			const char *src, int sport, const char *dst, int dport, size_t size)
{
	size_t l4 = 14 + 20, l4len = syn ? 20 : 8;
	__u32 sum;

	if (size < l4 + l4len || size > cap || size - 14 > 65535)
		return 0;
	memset(f, 0, size);
	memcpy(f, mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (size - 14) >> 8;
	f[17] = (size - 14) & 0xff;
	f[20] = 0x40;		/* DF */
	f[22] = 64;
	f[23] = syn ? IPPROTO_TCP : IPPROTO_UDP;
	if (inet_pton(AF_INET, src, f + 26) != 1 || inet_pton(AF_INET, dst, f + 30) != 1)
		return 0;
	sum = csum_fold(csum_add(0, f + 14, 20));
	f[24] = sum >> 8;
	f[25] = sum & 0xff;
	f[l4] = sport >> 8;
	f[l4 + 1] = sport & 0xff;
	f[l4 + 2] = dport >> 8;
	f[l4 + 3] = dport & 0xff;
	if (syn) {
		f[l4 + 4] = 0x12;	/* a sequence number */
		f[l4 + 12] = 5 << 4;
		f[l4 + 13] = 0x02;	/* SYN */
		f[l4 + 14] = 0xff;	/* window */
	} else {
		f[l4 + 4] = (size - l4) >> 8;
		f[l4 + 5] = (size - l4) & 0xff;
	}
	/* pseudo-header, then the segment */
	sum = csum_add(0, f + 26, 8) + f[23] + (__u32)(size - l4);
	sum = csum_fold(csum_add(sum, f + l4, size - l4));
	if (!syn && !sum)
		sum = 0xffff;
	f[l4 + (syn ? 16 : 6)] = sum >> 8;
	f[l4 + (syn ? 17 : 7)] = sum & 0xff;
	return size;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	static char buf[65536];
	long long n = 0;
	double end;
	int fd, fam;

	if (argc >= 6 && !strcmp(argv[1], "send")) {
		int payload = argc > 6 ? atoi(argv[6]) : 64;
		struct mmsghdr msgs[64];
		struct iovec iov = { buf, payload };

		fam = sockaddr_of(argv[2], 0, &src, &slen);
		if (fam < 0 || sockaddr_of(argv[3], atoi(argv[4]), &dst, &dlen) != fam)
			return fprintf(stderr, "tool_net: bad address\n"), 2;
		fd = socket(fam, SOCK_DGRAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, slen) ||
		    connect(fd, (struct sockaddr *)&dst, dlen))
			return fprintf(stderr, "tool_net: %s\n", strerror(errno)), 1;
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < 64; i++) {
			msgs[i].msg_hdr.msg_iov = &iov;
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		signal(SIGTERM, on_term);
		end = now_s() + atof(argv[5]);
		while (!stop && now_s() < end) {
			int r = sendmmsg(fd, msgs, 64, 0);

			if (r > 0)
				n += r;
		}
		printf("sent %lld\n", n);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "recv")) {
		struct timeval tv = { 0, 100000 };

		fam = sockaddr_of(argv[2], atoi(argv[3]), &src, &slen);
		if (fam < 0)
			return fprintf(stderr, "tool_net: bad address\n"), 2;
		fd = socket(fam, SOCK_DGRAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, slen))
			return fprintf(stderr, "tool_net: %s\n", strerror(errno)), 1;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		signal(SIGTERM, on_term);
		end = now_s() + atof(argv[4]);
		while (!stop && now_s() < end)
			if (recv(fd, buf, sizeof(buf), 0) >= 0)
				n++;
		printf("received %lld\n", n);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "tcphold")) {
		struct sockaddr_storage me;
		socklen_t mlen = sizeof(me);
		int prio = -1, mark = -1;
		socklen_t il = sizeof(int);

		fam = sockaddr_of(argv[2], atoi(argv[3]), &dst, &dlen);
		if (fam < 0)
			return fprintf(stderr, "tool_net: bad address\n"), 2;
		fd = socket(fam, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&dst, dlen))
			return fprintf(stderr, "tool_net: connect: %s\n", strerror(errno)), 1;
		getsockname(fd, (struct sockaddr *)&me, &mlen);
		/* sock_ops set these at establishment, before connect() returned */
		getsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, &il);
		getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &il);
		printf("connected %d priority %d mark %d\n",
		       ntohs(fam == AF_INET ? ((struct sockaddr_in *)&me)->sin_port :
					     ((struct sockaddr_in6 *)&me)->sin6_port), prio, mark);
		fflush(stdout);
		usleep((useconds_t)(atof(argv[4]) * 1e6));
		close(fd);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "tcpsyn")) {
		struct timeval tv = { 1, 0 };
		int one = 1;

		fam = sockaddr_of(argv[2], atoi(argv[3]), &src, &slen);
		if (fam < 0 || sockaddr_of(argv[4], atoi(argv[5]), &dst, &dlen) != fam)
			return fprintf(stderr, "tool_net: bad address\n"), 2;
		fd = socket(fam, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, slen))
			return fprintf(stderr, "tool_net: bind: %s\n", strerror(errno)), 1;
		printf(connect(fd, (struct sockaddr *)&dst, dlen) ? "failed\n" : "connected\n");
		close(fd);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "inject")) {
		static const struct { const char *kind; struct pkt_spec spec; } kinds[] = {
			{ "arp", { .ethertype = 0x0806 } },
			{ "nd", { .src = "2001:db8:1::7", .dst = "2001:db8:1::2",
				  .proto = IPPROTO_ICMPV6, .icmp_type = 135 } },
			{ "ptb", { .src = "2001:db8:1::7", .dst = "2001:db8:1::2",
				   .proto = IPPROTO_ICMPV6, .icmp_type = 2, .payload = 64 } },
			{ "fragneeded", { .src = "198.51.100.7", .dst = "198.51.100.2",
					  .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4,
					  .payload = 28 } },
		};
		struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
		unsigned char frame[2048], mac[6];
		const struct pkt_spec *ps = NULL;
		size_t len;
		long count = atol(argv[5]);

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(argv[4], kinds[i].kind))
				ps = &kinds[i].spec;
		if (!ps || sscanf(argv[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
				  &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
			return fprintf(stderr, "tool_net: bad kind or MAC\n"), 2;
		len = pkt_build(frame, sizeof(frame), ps);
		memcpy(frame, mac, 6);	/* to the receiver */
		ll.sll_ifindex = if_nametoindex(argv[2]);
		fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (fd < 0 || !ll.sll_ifindex)
			return fprintf(stderr, "tool_net: %s\n", strerror(errno)), 1;
		for (long i = 0; i < count; i++) {
			if (sendto(fd, frame, len, 0, (struct sockaddr *)&ll, sizeof(ll)) == (ssize_t)len)
				n++;
			else
				usleep(100);	/* queue full: let it drain */
		}
		printf("injected %lld\n", n);
		return 0;
	}
	if (argc == 11 && !strcmp(argv[1], "raw")) {
		struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
		static unsigned char frame[9216];
		unsigned char mac[6];
		long count = atol(argv[10]);
		size_t len;

		if (sscanf(argv[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
			   &mac[3], &mac[4], &mac[5]) != 6 ||
		    (strcmp(argv[4], "udp") && strcmp(argv[4], "syn")))
			return fprintf(stderr, "tool_net: bad MAC or kind\n"), 2;
		len = raw_frame(frame, sizeof(frame), mac, !strcmp(argv[4], "syn"), argv[5],
				atoi(argv[6]), argv[7], atoi(argv[8]), (size_t)atol(argv[9]));
		if (!len)
			return fprintf(stderr, "tool_net: bad address or size\n"), 2;
		ll.sll_ifindex = if_nametoindex(argv[2]);
		fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (fd < 0 || !ll.sll_ifindex)
			return fprintf(stderr, "tool_net: %s\n", strerror(errno)), 1;
		for (long i = 0; i < count; i++) {
			if (sendto(fd, frame, len, 0, (struct sockaddr *)&ll, sizeof(ll)) == (ssize_t)len)
				n++;
			usleep(1000);	/* paced: a receiver's queue never overflows */
		}
		printf("injected %lld\n", n);
		return 0;
	}
	fprintf(stderr, "usage: tool_net send SRC DST PORT SECONDS [PAYLOAD] | recv ADDR PORT SECONDS\n");
	return 2;
}
