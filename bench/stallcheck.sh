#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Lists the stack loads of a BPF object that may wait on a store-forwarding
# stall: a load whose bytes were written by two or more earlier, narrower
# stores (or by one store that covers only part of it), e.g. a u64 load of
# two u32 stores. The JIT keeps these as real x86 loads and stores, and a
# load that no single earlier store covers is not forwarded: it waits until
# the stores reach the cache.
#   bench/stallcheck.sh [-a] [-p] [OBJ [PROG...]]   (default build/lifeline.bpf.o)
# -a also lists loads that read part of one wider store (these forward);
# -p also lists loads that any earlier store in text order covers only in
# part (a store on another path may be the last one on some path: more
# hits, most of them spill slots that other paths reuse).
# Stack slots are followed through r10 and registers copied from it plus a
# constant. Text order, not control flow: without -p the last store to each
# byte in text order is taken as the one the load reads, which may be on
# another path; read each hit in `llvm-objdump -d` before acting on it.
# Not seen: loads by the kernel (a helper reading a map key built on the
# stack) and loads in a subprogram of its caller's stack. Exit 0 always.
set -euo pipefail

flags=-
while [ $# -gt 0 ]; do
	case $1 in
	-a) flags+=a; shift ;;
	-p) flags+=p; shift ;;
	*) break ;;
	esac
done
obj=${1:-build/lifeline.bpf.o}
shift || true
script=$(cat <<'PY'
import re, sys
show_all = 'a' in sys.argv[1]
paths = 'p' in sys.argv[1]
want = set(sys.argv[2:])
sym = re.compile(r'^[0-9a-f]+ <([^>]+)>:')
ins = re.compile(r'^\s*(\d+):\s+(.*)$')
st = re.compile(r'^\*\(u(8|16|32|64) \*\)\((r\d+) ([+-]) (\d+)\) = (.*)$')
ld = re.compile(r'^(r\d+) = \*\(u(8|16|32|64) \*\)\((r\d+) ([+-]) (\d+)\)$')
mov = re.compile(r'^(r\d+) = (r\d+)$')
add = re.compile(r'^(r\d+) ([+-])= (-?\d+)$')
wdef = re.compile(r'^[wr](\d+) ')
prog, base, stores, hits = None, {}, [], 0

for line in sys.stdin:
    m = sym.match(line)
    if m:
        if not m.group(1).startswith('LBB'):
            prog, base, stores = m.group(1), {'r10': 0}, []
        continue
    m = ins.match(line)
    if not m or prog is None:
        continue
    pc, text = int(m.group(1)), m.group(2).strip()
    text = re.sub(r'\s+<[^>]*>$', '', text)
    if text.startswith('call'):
        for r in ('r0', 'r1', 'r2', 'r3', 'r4', 'r5'):
            base.pop(r, None)
        continue
    m = st.match(text)
    if m:
        size, reg, sign, off = int(m.group(1)) // 8, m.group(2), m.group(3), int(m.group(4))
        if reg in base:
            a = base[reg] + (off if sign == '+' else -off)
            stores.append((a, size, pc))
        continue
    m = ld.match(text)
    if m:
        dst, size, reg, sign, off = m.group(1), int(m.group(2)) // 8, m.group(3), m.group(4), int(m.group(5))
        if reg in base and (not want or prog in want):
            a = base[reg] + (off if sign == '+' else -off)
            over = [s for s in stores if s[0] < a + size and a < s[0] + s[1]]
            # the latest store to each byte is the one a load would forward from
            last = {}
            for s in over:
                for b in range(max(a, s[0]), min(a + size, s[0] + s[1])):
                    last[b] = s
            srcs = sorted(set(last.values()), key=lambda s: s[2])
            covered = len(srcs) == 1 and srcs[0][0] <= a and a + size <= srcs[0][0] + srcs[0][1]
            # any earlier store that covers part of the load only: on some path it may be the last
            part = [s for s in over if not (s[0] <= a and a + size <= s[0] + s[1])]
            if (srcs and not covered and (len(srcs) > 1 or srcs[0][1] < size)) or (paths and part):
                if paths and covered:
                    srcs = sorted(set(part), key=lambda s: s[2])
                hits += 1
                print('%s %d: u%d load fp%+d from %d stores: %s' % (prog, pc, size * 8, a, len(srcs),
                      ', '.join('u%d fp%+d @%d' % (s[1] * 8, s[0], s[2]) for s in srcs)))
            elif show_all and srcs and srcs[0][1] > size:
                print('%s %d: u%d load fp%+d inside a u%d store @%d (forwards)' % (prog, pc, size * 8, a,
                      srcs[0][1] * 8, srcs[0][2]))
        base.pop(dst, None)
        continue
    m = mov.match(text)
    if m:
        if m.group(2) in base:
            base[m.group(1)] = base[m.group(2)]
        else:
            base.pop(m.group(1), None)
        continue
    m = add.match(text)
    if m and m.group(1) in base:
        base[m.group(1)] += int(m.group(3)) * (1 if m.group(2) == '+' else -1)
        continue
    m = wdef.match(text)
    if m and not text.startswith(('if ', 'goto', '*(')):
        base.pop('r' + m.group(1), None)
print('%d possible stall(s)' % hits, file=sys.stderr)
PY
)
llvm-objdump -d --no-show-raw-insn "$obj" | python3 -c "$script" "$flags" "$@"
