# Deploys infra/subscriptions.bicep: the azd postdeploy hook on Windows (see deploy-subscriptions.sh).
$ErrorActionPreference = 'Stop'
if (-not $env:AZURE_RESOURCE_GROUP) { throw 'Set AZURE_RESOURCE_GROUP (azd sets it from the outputs of main.bicep)' }
if (-not $env:AZURE_ENV_NAME) { throw 'Set AZURE_ENV_NAME to the environmentName main.bicep was deployed with' }

$template = Join-Path $PSScriptRoot '..' 'subscriptions.bicep'
$attempts = if ($env:SUBSCRIPTIONS_DEPLOY_ATTEMPTS) { [int]$env:SUBSCRIPTIONS_DEPLOY_ATTEMPTS } else { 5 }
$delay = if ($env:SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS) { [int]$env:SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS } else { 30 }

for ($i = 1; $i -le $attempts; $i++) {
  az deployment group create `
    --name 'event-subscriptions' `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --template-file $template `
    --parameters "environmentName=$($env:AZURE_ENV_NAME)" `
    --output none
  if ($LASTEXITCODE -eq 0) { Write-Host "Event Grid subscriptions deployed in $($env:AZURE_RESOURCE_GROUP)"; exit 0 }
  if ($i -lt $attempts) {
    Write-Warning "Attempt $i failed; retrying in ${delay}s (the function endpoints may not be ready yet)"
    Start-Sleep -Seconds $delay
  }
}
throw "Event Grid subscriptions failed after $attempts attempts; are all functions deployed?"
