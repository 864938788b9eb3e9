#!/usr/bin/env bash
# Generates sdk/genproto from sdk/proto with pinned generators.
#
#   sdk/proto/generate.sh          regenerate sdk/genproto in place
#   sdk/proto/generate.sh --check  regenerate into a temporary directory and
#                                  fail if it differs from the committed code
#
# Needs protoc (Debian: apt-get install -y protobuf-compiler). The generators
# are installed at pinned versions into a temporary GOBIN, so they never enter
# go.mod.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
MODULE=github.com/switchyard/switchyard

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

mode=write
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v protoc >/dev/null 2>&1; then
  echo "generate.sh: protoc not found (Debian: apt-get install -y protobuf-compiler)" >&2
  exit 3
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Install the generators outside the module so go.mod stays untouched.
(
  cd "$work"
  export GOBIN="$work/bin" GOFLAGS=
  go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
  go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"
)

out="$work/out"
mkdir -p "$out"
protos=$(cd "$here" && find . -name '*.proto' | sed 's|^\./||' | sort)
# shellcheck disable=SC2086
(cd "$here" && PATH="$work/bin:$PATH" protoc -I . \
  --go_out="$out" --go_opt=module="$MODULE" \
  --go-grpc_out="$out" --go-grpc_opt=module="$MODULE" \
  $protos)

generated="$out/sdk/genproto"
committed="$root/sdk/genproto"
if [ "$mode" = check ]; then
  # Compare the generated files only: hand-written doc.go and tests live
  # beside them.
  stale=0
  list() { (cd "$1" && find . -name '*.pb.go' | sort); }
  if [ "$(list "$committed")" != "$(list "$generated")" ]; then
    echo "generate.sh: the set of generated files differs:" >&2
    diff <(list "$committed") <(list "$generated") >&2 || true
    stale=1
  fi
  for f in $(list "$generated"); do
    if [ -f "$committed/$f" ] && ! diff -u "$committed/$f" "$generated/$f"; then
      stale=1
    fi
  done
  if [ "$stale" -ne 0 ]; then
    echo "generate.sh: sdk/genproto is stale; run 'make proto' and commit the result" >&2
    exit 1
  fi
  echo "generate.sh: sdk/genproto is up to date"
  exit 0
fi

# Replace only the generated Go files; keep hand-written tests beside them.
find "$committed" -name '*.pb.go' -delete 2>/dev/null || true
mkdir -p "$committed"
(cd "$generated" && find . -name '*.pb.go') | while read -r f; do
  mkdir -p "$(dirname "$committed/$f")"
  cp "$generated/$f" "$committed/$f"
done
echo "generate.sh: wrote $(cd "$generated" && find . -name '*.pb.go' | wc -l) files into sdk/genproto"
