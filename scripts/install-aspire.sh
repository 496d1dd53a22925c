#!/usr/bin/env bash
# Restores the .NET Aspire Dashboard (the local trace viewer `npm start` runs when dotnet is present) into `.tools/`
# (git-ignored), like install-bicep.sh does for the Bicep CLI: NuGet package Aspire.Dashboard.Sdk.linux-x64, restored
# with `dotnet restore` (the ordinary NuGet client). Prints the dashboard's directory. Idempotent.
set -euo pipefail

ASPIRE_VERSION="${ASPIRE_VERSION:-13.6.5}"
PACKAGE_ID="Aspire.Dashboard.Sdk.linux-x64"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
packages="$tools_dir/nuget"
pkg_dir="$packages/$(echo "$PACKAGE_ID" | tr '[:upper:]' '[:lower:]')/$ASPIRE_VERSION"

find_dashboard() { find "$pkg_dir" -type f \( -name Aspire.Dashboard.dll -o -name Aspire.Dashboard \) 2>/dev/null | sort | head -n 1; }

if [[ -n "$(find_dashboard)" ]]; then
  dirname "$(find_dashboard)"
  exit 0
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-aspire: no dotnet on PATH; the Aspire Dashboard (local trace viewer) needs it" >&2
  exit 1
fi
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "install-aspire: $PACKAGE_ID is linux-x64 only; this is $(uname -s)-$(uname -m)" >&2
  exit 1
fi

# shellcheck source=lib/nuget-restore.sh
source "$repo_root/scripts/lib/nuget-restore.sh"
nuget_restore "$PACKAGE_ID" "$ASPIRE_VERSION" "$packages" install-aspire
if [[ -z "$(find_dashboard)" ]]; then
  echo "install-aspire: no Aspire.Dashboard inside $pkg_dir" >&2
  exit 1
fi
dirname "$(find_dashboard)"
