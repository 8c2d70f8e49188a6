/* SPDX-License-Identifier: Apache-2.0 */
/* Includes and small helpers every xlb BPF object uses. */
#ifndef XLB_BPF_COMMON_H
#define XLB_BPF_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xlb/abi.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)
#define IPV4_FRAG_MASK_BE bpf_htons(0x3FFF) /* MF flag + fragment offset */
#define IPV4_DF_BE bpf_htons(0x4000)

#define XLB_MAX_VLAN_TAGS 2
#define XLB_MAX_IPV6_EXT_HEADERS 4

#endif /* XLB_BPF_COMMON_H */
