#!/usr/bin/env bash
# How long a grading job spends installing packages, without and with the
# package cache that .github/workflows/packages.yml fills: a rehearsal in a
# Debian 12 chroot that holds what a hosted runner already has (gcc, cmake,
# git, pkg-config, binutils, python3), installing what
# `./senior-check --missing-packages grade` lists there.
#
#   sudo tests/manual/shard-install.sh [ROUNDS]
#
# Needs root, debootstrap and Debian's mirror. Alternates cold and cached
# installs ROUNDS times (default 4) and prints each, then the medians.
set -euo pipefail

rounds=${1:-4}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${TMPDIR:-/tmp}/shard-install
base=$work/base
mkdir -p "$work"
if [ ! -x "$base/usr/bin/cmake" ]; then
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1
  chroot "$base" apt-get update -qq
  chroot "$base" apt-get install -y -qq --no-install-recommends \
    gcc libc6-dev cmake git pkg-config binutils python3 >/dev/null
  chroot "$base" apt-get clean
fi
cp "$root/senior-check" "$base/senior-check"
packages=$(chroot "$base" bash /senior-check --missing-packages grade)
echo "# installs: $packages"

# install NAME [SEED]: a fresh copy of the base installs the packages, its
# apt archive first seeded with the .deb files in SEED. Prints milliseconds.
install() {
  local dir=$work/$1 start end
  rm -rf "$dir" && cp -a "$base" "$dir"
  [ -n "${2:-}" ] && cp "$2"/*.deb "$dir/var/cache/apt/archives/"
  start=$(date +%s%N)
  chroot "$dir" bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $packages" >"$dir.log" 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

install seed >/dev/null
mkdir -p "$work/debs" && cp "$work/seed/var/cache/apt/archives/"*.deb "$work/debs/"
echo "# the cache: $(find "$work/debs" -name "*.deb" | wc -l) packages, $(du -sh "$work/debs" | cut -f1)"
: >"$work/cold.ms"
: >"$work/cached.ms"
for i in $(seq "$rounds"); do
  cold=$(install cold) && echo "$cold" >>"$work/cold.ms"
  cached=$(install cached "$work/debs") && echo "$cached" >>"$work/cached.ms"
  echo "round $i: cold $cold ms, cached $cached ms"
done
echo "median: cold $(median <"$work/cold.ms") ms, cached $(median <"$work/cached.ms") ms"
rm -rf "$work/cold" "$work/cached" "$work/seed"
