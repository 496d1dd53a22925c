#!/usr/bin/env bash
# Makes a Bicep CLI available to the infra tests (test/infra) and prints its version. Idempotent.
# Order: the repository's pinned `.tools/bicep/bicep`, `bicep` on PATH, `az bicep`, else the NuGet package
# Azure.Bicep.CommandLine.linux-x64 restored with `dotnet` into `.tools/` (git-ignored): NuGet is reachable where
# the CLI's own download is not. The tests look in the same places, `.tools` first.
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
PACKAGE_ID="Azure.Bicep.CommandLine.linux-x64"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
target="$tools_dir/bicep/bicep"

if [[ -x "$target" ]] && "$target" --version 2>/dev/null | grep -q "version $BICEP_VERSION "; then
  "$target" --version
  exit 0
fi
if [[ ! -e "$target" ]] && command -v bicep >/dev/null 2>&1; then
  bicep --version
  exit 0
fi
if [[ ! -e "$target" ]] && command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then
  az bicep version
  exit 0
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-bicep: no bicep, no az and no dotnet; install one of them (https://aka.ms/bicep-install)" >&2
  exit 1
fi
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "install-bicep: the NuGet fallback ships linux-x64 only; install bicep yourself on $(uname -s)-$(uname -m)" >&2
  exit 1
fi

packages="$tools_dir/nuget"
# shellcheck source=lib/nuget-restore.sh
source "$repo_root/scripts/lib/nuget-restore.sh"
# The package carries the native binary.
nuget_restore "$PACKAGE_ID" "$BICEP_VERSION" "$packages" install-bicep

pkg_dir="$packages/$(echo "$PACKAGE_ID" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION"
binary="$(find "$pkg_dir" -type f -name bicep | head -n 1)"
if [[ -z "$binary" ]]; then
  echo "install-bicep: no 'bicep' binary inside $pkg_dir" >&2
  exit 1
fi
mkdir -p "$(dirname "$target")"
cp "$binary" "$target"
chmod +x "$target"
"$target" --version
