#!/bin/sh
# Deploys infra/subscriptions.bicep: the azd postdeploy hook, and step 4 of infra/README.md by hand.
# Event Grid validates an Azure Function endpoint when the subscription is created, so this runs after the code is
# deployed; the app may take a minute to report its functions, hence the bounded retry.
set -eu

: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP (azd sets it from the outputs of main.bicep)}"
: "${AZURE_ENV_NAME:?set AZURE_ENV_NAME to the environmentName main.bicep was deployed with}"

here="$(cd "$(dirname "$0")" && pwd)"
attempts="${SUBSCRIPTIONS_DEPLOY_ATTEMPTS:-5}"
delay="${SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS:-30}"

i=1
while :; do
  if az deployment group create \
    --name "event-subscriptions" \
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
