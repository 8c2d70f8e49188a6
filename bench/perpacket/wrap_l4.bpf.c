/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The production balancer inside the bench wrapper (see wrap.h). The
 * balancer's source is compiled in unchanged; only its entry is renamed and
 * made inlinable, so the wrapper runs exactly the production code path with
 * no call in between (the floors are inlined into their wrappers the same
 * way). The renamed entry is also still emitted on its own, in section
 * "xdp"; the loader does not load it.
 *
 * The maps are those of the real program: the loader hands this object the
 * file descriptors of a loaded L4Program's maps, filled by l4::Tables.
 */
#define xlb_l4 __attribute__((always_inline)) xlb_l4_unwrapped
#include "xlb_l4.bpf.c"
#undef xlb_l4

#include "wrap.h"

XLB_BENCH_WRAPPED(xlb_bench_l4, xlb_l4_unwrapped(ctx))
