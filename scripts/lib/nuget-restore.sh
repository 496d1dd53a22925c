# Sourced by the install-*.sh scripts: restores one exact NuGet package version into a packages folder with
# `dotnet restore` (the ordinary NuGet client) through a throw-away project. Usage:
#   nuget_restore <package-id> <version> <packages-dir> <caller-name>
nuget_restore() {
  local package_id="$1" version="$2" packages="$3" caller="$4"
  local work
  work="$(mktemp -d)"
  cat >"$work/restore.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1).0</TargetFramework>
    <NoWarn>NU1701</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="$package_id" Version="[$version]" />
  </ItemGroup>
</Project>
CSPROJ
  mkdir -p "$packages"
  if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 timeout 600 dotnet restore "$work/restore.csproj" --packages "$packages" >"$work/restore.log" 2>&1; then
    cat "$work/restore.log" >&2
    rm -rf "$work"
    echo "$caller: dotnet restore of $package_id $version failed" >&2
    return 1
  fi
  rm -rf "$work"
}
