# Deploys infra/subscriptions.bicep: the azd postdeploy hook on Windows (see deploy-subscriptions.sh).
# azd and the Azure CLI log in separately: the subscription azd deployed to is named on every call.
$ErrorActionPreference = 'Stop'
if (-not $env:AZURE_SUBSCRIPTION_ID) { throw 'Set AZURE_SUBSCRIPTION_ID (azd sets it; by hand: az account show --query id -o tsv)' }
if (-not $env:AZURE_RESOURCE_GROUP) { throw 'Set AZURE_RESOURCE_GROUP (azd sets it from the outputs of main.bicep)' }
if (-not $env:AZURE_ENV_NAME) { throw 'Set AZURE_ENV_NAME to the environmentName main.bicep was deployed with' }

az account show --subscription $env:AZURE_SUBSCRIPTION_ID --output none
if ($LASTEXITCODE -ne 0) {
  throw "The Azure CLI cannot use subscription $($env:AZURE_SUBSCRIPTION_ID): run 'az login' (azd's login does not log in az), then 'azd hooks run postdeploy'."
}

$template = Join-Path $PSScriptRoot '..' 'subscriptions.bicep'
$attempts = if ($env:SUBSCRIPTIONS_DEPLOY_ATTEMPTS) { [int]$env:SUBSCRIPTIONS_DEPLOY_ATTEMPTS } else { 5 }
$delay = if ($env:SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS) { [int]$env:SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS } else { 30 }

for ($i = 1; $i -le $attempts; $i++) {
  az deployment group create `
    --name 'event-subscriptions' `
    --subscription $env:AZURE_SUBSCRIPTION_ID `
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
