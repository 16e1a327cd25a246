/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel constants the datapath needs that vmlinux.h does not carry (they
 * are #defines in the UAPI and kernel headers, which BPF code built against
 * vmlinux.h cannot include). Each keeps its kernel name with a trailing
 * underscore, so it can never clash with a definition that some header
 * brings in, and is defined here only, once.
 */
#ifndef LL_COMPAT_H
#define LL_COMPAT_H

/* <linux/if_ether.h> */
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define ETH_P_ARP_ 0x0806
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8

/* <linux/in.h>, <linux/in6.h> */
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60

/* <linux/socket.h> */
#define AF_INET_ 2
#define AF_INET6_ 10

/* <asm-generic/socket.h>, <linux/tcp.h>, <linux/bpf.h> */
#define SOL_SOCKET_ 1
#define SO_SNDBUF_ 7
#define SO_RCVBUF_ 8
#define SO_PRIORITY_ 12
#define SO_MARK_ 36
#define SOL_TCP_ 6
#define TCP_BPF_SOCK_OPS_CB_FLAGS_ 1008

/* <net/tcp_states.h> */
#define TCP_ESTABLISHED_ 1
#define TCP_CLOSE_ 7
#define TCP_LISTEN_ 10

/* <linux/pkt_cls.h> */
#define TC_ACT_UNSPEC_ (-1)
#define TC_ACT_OK_ 0
#define TC_ACT_SHOT_ 2

/* <vdso/time64.h> */
#define NSEC_PER_SEC_ 1000000000ULL

#endif /* LL_COMPAT_H */
