#!/bin/sh
# Thumbnail + watermarked preview for COUNT (default 500) 12-megapixel JPEGs with the photos
# plugin's pipeline, against two anchors measured in the same run on the same files and cores:
#   vipsthumbnail --size 1024            the floor of what libvips can do (one rendition, no mark)
#   convert -thumbnail 1024x1024         ImageMagick, what a naive system would run
# Prints photos/s for each and the ratios. Usage: bench/photos/run.sh [COUNT] [THREADS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${SUKUSUKU_BUILD:-$root/build}
count=${1:-500}
threads=${2:-$(nproc)}
bin=$build/bin/bench_photos
[ -x "$bin" ] || cmake --build "$build" --target bench_photos
work=$(mktemp -d /tmp/sukusuku-bench-photos.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
"$bin" generate "$work/in" "$count" 4000 3000
echo "input: $(du -sh "$work/in" | cut -f1) in $count files; $threads thread(s)"

now() { date +%s.%N; }
rate() { echo "$1 $2 $3" | awk '{ printf "%.2f", $1 / ($3 - $2) }'; }

echo "== sukusuku (thumbnail 320 + watermarked preview 1024, both written)"
t0=$(now); "$bin" render "$work/in" "$work/ours" "$threads"; t1=$(now)
ours=$(rate "$count" "$t0" "$t1")

echo "== vipsthumbnail --size 1024"
mkdir -p "$work/vt"
t0=$(now)
ls "$work"/in/*.jpg | xargs -P "$threads" -n 25 vipsthumbnail --size 1024 \
  -o "$work/vt/%s.jpg[Q=82,strip]"
t1=$(now)
vt=$(rate "$count" "$t0" "$t1")

echo "== convert -thumbnail 1024x1024"
mkdir -p "$work/im"
t0=$(now)
ls "$work"/in/*.jpg | xargs -P "$threads" -I{} sh -c \
  'convert "$1" -thumbnail 1024x1024 -quality 82 "$2/$(basename "$1")"' _ {} "$work/im"
t1=$(now)
im=$(rate "$count" "$t0" "$t1")

echo
echo "sukusuku        $ours photos/s"
echo "vipsthumbnail   $vt photos/s"
echo "convert         $im photos/s"
echo "$ours $vt $im" | awk '{ printf "ratio vs vipsthumbnail: %.2f (goal >= 0.8)\nratio vs ImageMagick:   %.2f\n", $1/$2, $1/$3 }'
