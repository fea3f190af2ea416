#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check-image-libs.sh DOCKERFILE INSTALL-DEPS [--dlopen SONAME]... BINARY...: without a container engine, the next
# best thing to building packaging/Dockerfile. On this Debian host:
#
#   - every shared library that ldd shows for each BINARY, and each SONAME a program loads with dlopen() (found
#     with ldconfig, as the dynamic loader would), belongs to a package that the runtime stage installs, or that one
#     of those depends on, or that every Debian image has (Priority: required: libc6, zlib1g, ...);
#   - every package the runtime stage names exists;
#   - the build stage installs exactly the build packages of packaging/install-deps.sh (the two lists in step).
#
# A library the programs gained (a new dependency) without the image gaining its package fails here, instead of
# as "error while loading shared libraries" in a cluster.
set -euo pipefail
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin      # ldconfig, for a user whose PATH lacks them

dockerfile=$1 install_deps=$2
shift 2
dlopened=()
while [[ ${1:-} == --dlopen ]]; do
        dlopened+=("$2")
        shift 2
done
for c in ldd ldconfig dpkg-query dpkg apt-cache; do
        command -v "$c" >/dev/null || { echo "skip: $c is not here (not a Debian host)"; exit 77; }
done

# The packages one stage's `apt-get install` names: stage 1 is the build stage, stage 2 the runtime.
stage_packages() {
        awk -v want="$1" '
                /^FROM / { stage++; next }
                stage != want { next }
                /apt-get install/ { on = 1 }
                on { line = $0; sub(/\\$/, "", line); gsub(/&&.*/, "", line); print line }
                on && !/\\$/ { on = 0 }
        ' "$dockerfile" | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vxE 'apt-get|install' | sort -u
}

runtime=$(stage_packages 2)
build=$(stage_packages 1)
[[ -n $runtime ]] || { echo "no runtime packages read from $dockerfile"; exit 1; }
[[ -n $build ]] || { echo "no build packages read from $dockerfile"; exit 1; }

failed=0
for p in $runtime; do
        apt-cache show "$p" >/dev/null 2>&1 || { echo "FAIL: the runtime stage installs $p, which Debian does not have"; failed=1; }
done

# What the runtime stage brings: its packages and everything they depend on.
# shellcheck disable=SC2086
closure=$( { echo "$runtime"; apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances $runtime 2>/dev/null | awk '/^[a-z0-9]/ { print $1 } /Depends:/ { print $2 }'; } |
        sed 's/:.*//; s/[<>]//g' | sort -u)

# The libraries of one program: what ldd shows; for "dlopen", each --dlopen SONAME where ldconfig finds it (for
# this machine's architecture: the first entry, as the loader takes it), and what that library itself loads.
libraries() {
        local so path
        if [[ $1 == dlopen ]]; then
                for so in "${dlopened[@]}"; do
                        # awk reads all of ldconfig's output: an early exit would end ldconfig on SIGPIPE, and under
                        # pipefail the lookup would come back empty without a word.
                        path=$(awk -v so="$so" '$1 == so && !found { print $NF; found = 1 }' < <(ldconfig -p))
                        echo "${path:-/nonexistent/$so}"
                        [[ -n $path ]] && libraries "$path"
                done
        else
                ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
        fi
}

libs=0
for bin in "$@" ${dlopened[@]:+dlopen}; do
        while read -r path; do
                libs=$((libs + 1))
                if [[ $path == /nonexistent/* ]]; then
                        echo "FAIL: a program loads ${path#/nonexistent/} with dlopen(), and ldconfig does not find it here"
                        failed=1
                        continue
                fi
                pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null ||
                      dpkg -S "/usr$(realpath "$path")" 2>/dev/null || true)
                pkg=${pkg%%:*}
                if [[ -z $pkg ]]; then
                        echo "FAIL: $(basename "$bin") loads $path, which no installed package provides"
                        failed=1
                        continue
                fi
                if grep -qx "$pkg" <<<"$closure"; then
                        how="runtime stage"
                elif [[ $(dpkg-query -W -f='${Priority}' "$pkg") == required ]]; then
                        how="every Debian image (Priority: required)"
                else
                        echo "FAIL: $(basename "$bin") loads $path from $pkg, which the runtime stage does not install"
                        failed=1
                        continue
                fi
                echo "ok: $(basename "$bin"): $path from $pkg ($how)"
        done < <(libraries "$bin")
done
((libs > 0)) || { echo "FAIL: ldd showed no libraries"; exit 1; }

# The build stage and install-deps.sh's build packages: the list up to the test packages (iproute2 onwards).
deps_build=$(awk '/^packages=\(/ { on = 1; next } on && /^\)/ { on = 0 } on' "$install_deps" |
        tr ' ' '\n' | grep -E '^[a-z0-9]' | awk '$0 == "iproute2" { exit } { print }' | sort -u)
if [[ $deps_build != "$build" ]]; then
        echo "FAIL: the Dockerfile's build stage and packaging/install-deps.sh's build packages differ:"
        diff <(echo "$build") <(echo "$deps_build") || true
        failed=1
fi

((failed == 0)) && echo "ok: $libs libraries, all from the runtime stage's packages"
exit "$failed"
