#!/usr/bin/env bash
# build_ffi.sh [--sanitize]: builds the shim (ffi/shim/common/*.c + one backend)
# into ffi/build/libskt_<backend>.<so|dylib>, the C tests ffi/build/sim_test and
# ffi/build/sim_kill_test, and
# the bench's C reference child ffi/build/ref_child; skipped when up to date.
# --sanitize builds the same with ASan+UBSan into ffi/build/sanitize/.
set -euo pipefail
cd "$(dirname "$0")"

out=ffi/build
san=()
if [ "${1:-}" = "--sanitize" ]; then
	out=ffi/build/sanitize
	san=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
elif [ -n "${1:-}" ]; then
	echo "usage: $0 [--sanitize]" >&2
	exit 2
fi

cc=""
for c in "${CC:-}" cc gcc clang; do
	if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
done
if [ -z "$cc" ]; then
	echo "build_ffi.sh: no C compiler found (install gcc or clang, or set CC)" >&2
	exit 3
fi

if [ "$(uname -s)" = Darwin ]; then
	ext=dylib; shared=(-dynamiclib); os=(-D_DARWIN_C_SOURCE); rpath='@loader_path'
else
	ext=so; shared=(-shared); os=(-D_GNU_SOURCE); rpath='$ORIGIN'
fi
# Nothing to do when every output is newer than every input: `deno task run` and
# `deno task test` build first, and recompiling takes longer than a test.
outputs=("$out/libskt_sim.$ext" "$out/sim_test" "$out/sim_kill_test" "$out/ref_child")
if [ "$(uname -s)" = Darwin ] && [ -f ffi/shim/darwin/backend.c ]; then
	outputs+=("$out/libskt_skywalk.dylib")
fi
# afxdp backend (issue 14): Linux with libxdp and libbpf (Debian: libxdp-dev libbpf-dev).
# Probing means compiling a program, which takes longer than the rest of an
# up-to-date check (`deno task run` makes one each time), so the answer is kept
# in $out/afxdp.probe ("yes" or why not) and probed again when anything is
# rebuilt, or when the headers it lacked have appeared since.
probe_file="$out/afxdp.probe"
afxdp_headers=(/usr/include/xdp/xsk.h /usr/include/bpf/libbpf.h)
probe_afxdp() {
	if [ "$(uname -s)" != Linux ]; then
		echo "AF_XDP is Linux only"
	elif ! printf '#include <xdp/xsk.h>\n#include <bpf/libbpf.h>\nint main(void){return 0;}\n' |
		"$cc" -x c -o /dev/null - -lxdp -lbpf >/dev/null 2>&1; then
		echo "libxdp or libbpf is missing (apt-get install libxdp-dev libbpf-dev)"
	else
		echo yes
	fi
}
probe_is_stale() {
	[ -f "$probe_file" ] || return 0
	[ "$(cat "$probe_file")" = yes ] && return 1
	local h
	for h in "${afxdp_headers[@]}"; do
		[ "$h" -nt "$probe_file" ] && return 0
	done
	return 1
}
afxdp_outputs=("$out/libskt_afxdp.so" "$out/afxdp_smoke" "$out/ref_child_afxdp")
up_to_date() {
	local o
	probe_is_stale && return 1
	[ "$(cat "$probe_file")" = yes ] && outputs+=("${afxdp_outputs[@]}")
	for o in "${outputs[@]}"; do
		[ -f "$o" ] || return 1
		[ -z "$(find build_ffi.sh ffi/shim tests/c tests/bench/c -newer "$o" -print -quit)" ] || return 1
	done
}
if up_to_date; then
	echo "$out is up to date" >&2
	exit 0
fi
mkdir -p "$out"
afxdp_missing=""
probe=$(probe_afxdp)
echo "$probe" >"$probe_file"
[ "$probe" = yes ] || afxdp_missing=$probe
[ -z "$afxdp_missing" ] || rm -f "$out/libskt_afxdp.so" "$out/afxdp_smoke" "$out/ref_child_afxdp"

# link-time optimisation: the SPI's handle checks inline into the shim's calls (about 60 ns
# per frame, docs/performance.md); gcc's -flto=auto runs its jobs in parallel, clang spells it -flto
if "$cc" --version 2>/dev/null | grep -qi clang; then lto=(-flto); else lto=(-flto=auto); fi
cflags=(-std=c11 -O2 "${lto[@]}" -g -fPIC -fvisibility=hidden -Wall -Wextra -Werror "${os[@]}" "${san[@]}")

# sim backend: common/*.c + sim/*.c
"$cc" "${cflags[@]}" -DSKT_BACKEND_NAME='"sim"' "${shared[@]}" \
	-o "$out/libskt_sim.$ext" ffi/shim/common/*.c ffi/shim/sim/*.c -lpthread
echo "built $out/libskt_sim.$ext" >&2

"$cc" "${cflags[@]}" -Iffi/shim -o "$out/sim_test" tests/c/sim_test.c ffi/shim/sim/lock.c \
	-L"$out" -lskt_sim -Wl,-rpath,"$rpath" -lpthread
echo "built $out/sim_test" >&2

# the sim's SPI without the shim's guards: every abort and kill path (tests/c/sim_kill_test.c)
"$cc" "${cflags[@]}" -Iffi/shim -o "$out/sim_kill_test" tests/c/sim_kill_test.c ffi/shim/sim/*.c -lpthread
echo "built $out/sim_kill_test" >&2

# bench only: the C reference child of `deno task bench` (tests/bench/c/ref_child.c)
"$cc" "${cflags[@]}" -Iffi/shim -o "$out/ref_child" tests/bench/c/ref_child.c \
	-L"$out" -lskt_sim -Wl,-rpath,"$rpath"
echo "built $out/ref_child" >&2

# darwin backend (issue 5): the real Skywalk SPI from libsystem_kernel
if [ "$(uname -s)" = Darwin ] && [ -f ffi/shim/darwin/backend.c ]; then
	"$cc" "${cflags[@]}" -DSKT_BACKEND_NAME='"skywalk"' "${shared[@]}" \
		-o "$out/libskt_skywalk.dylib" ffi/shim/common/*.c ffi/shim/darwin/*.c -lSystem
	echo "built $out/libskt_skywalk.dylib" >&2
fi

# afxdp backend (issue 14): the SPI subset over AF_XDP sockets on a veth pair
if [ -z "$afxdp_missing" ]; then
	"$cc" "${cflags[@]}" -DSKT_BACKEND_NAME='"afxdp"' "${shared[@]}" \
		-o "$out/libskt_afxdp.so" ffi/shim/common/*.c ffi/shim/afxdp/*.c -lxdp -lbpf
	echo "built $out/libskt_afxdp.so" >&2
	"$cc" "${cflags[@]}" -Iffi/shim -o "$out/afxdp_smoke" tests/c/afxdp_smoke.c \
		-L"$out" -lskt_afxdp -Wl,-rpath,"$rpath"
	echo "built $out/afxdp_smoke" >&2
	"$cc" "${cflags[@]}" -Iffi/shim -o "$out/ref_child_afxdp" tests/bench/c/ref_child.c \
		-L"$out" -lskt_afxdp -Wl,-rpath,"$rpath"
	echo "built $out/ref_child_afxdp" >&2
else
	echo "build_ffi.sh: not building the afxdp backend: $afxdp_missing" >&2
fi
