#!/bin/sh
# Deploys infra/subscriptions.bicep: the azd postdeploy hook, and step 4 of infra/README.md by hand.
# Event Grid validates an Azure Function endpoint when the subscription is created, so this runs after the code is
# deployed; the app may take a minute to report its functions, hence the bounded retry.
# azd and the Azure CLI log in separately (`azd auth login` does not log in `az`): the subscription azd deployed to is
# named on every call, and a logged-out `az` stops the hook at once instead of failing every retry.
set -eu

: "${AZURE_SUBSCRIPTION_ID:?set AZURE_SUBSCRIPTION_ID (azd sets it; by hand: az account show --query id -o tsv)}"
: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP (azd sets it from the outputs of main.bicep)}"
: "${AZURE_ENV_NAME:?set AZURE_ENV_NAME to the environmentName main.bicep was deployed with}"

if ! az account show --subscription "$AZURE_SUBSCRIPTION_ID" --output none; then
  echo "The Azure CLI cannot use subscription $AZURE_SUBSCRIPTION_ID: run 'az login' (azd's login does not log in az)," >&2
  echo "then 'azd hooks run postdeploy' (or this script) again." >&2
  exit 1
fi

here="$(cd "$(dirname "$0")" && pwd)"
attempts="${SUBSCRIPTIONS_DEPLOY_ATTEMPTS:-5}"
delay="${SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS:-30}"

i=1
while :; do
  if az deployment group create \
    --name "event-subscriptions" \
    --subscription "$AZURE_SUBSCRIPTION_ID" \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --template-file "$here/../subscriptions.bicep" \
    --parameters environmentName="$AZURE_ENV_NAME" \
    --output none; then
    echo "Event Grid subscriptions deployed in $AZURE_RESOURCE_GROUP"
    exit 0
  fi
  if [ "$i" -ge "$attempts" ]; then
    echo "Event Grid subscriptions failed after $attempts attempts; are all functions deployed?" >&2
    exit 1
  fi
  echo "Attempt $i failed; retrying in ${delay}s (the function endpoints may not be ready yet)" >&2
  i=$((i + 1))
  sleep "$delay"
done
