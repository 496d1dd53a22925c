#!/bin/sh
# Smoke test of a deployment: stocks a fresh SKU, registers a card with payments, places an order for it through the
# authenticated API and waits until
# the choreography (inventory, payments, invoicing, orders) has confirmed it. Exits 0 on Confirmed, 1 otherwise.
#
#   AZURE_RESOURCE_GROUP=rg-choreography-dev API_CLIENT_ID=<app id> ./infra/scripts/smoke-test.sh
#   (or `azd env get-values > .env.smoke && set -a && . ./.env.smoke && set +a` first)
#
# The token is the signed-in Azure CLI user's, for api://<API_CLIENT_ID>: the API's app registration must list the Azure
# CLI (04b07795-8ddb-461a-bbee-02f9e1bf7b46) as an authorized client application, and the user needs the Orders.Write
# and Inventory.Write app roles (infra/README.md, "Calling the API"). Calls without a token must get 401, or it fails.
set -eu

: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP (azd env get-value AZURE_RESOURCE_GROUP)}"
: "${API_CLIENT_ID:?set API_CLIENT_ID to the application (client) ID of the API app registration}"
payment_token="${SMOKE_PAYMENT_TOKEN:-tok_visa}"
timeout_seconds="${SMOKE_TIMEOUT_SECONDS:-300}"
poll_seconds="${SMOKE_POLL_SECONDS:-5}"
# https in Azure; test/infra/smokeTest.test.ts points the script at a local stand-in over http.
scheme="${SMOKE_SCHEME:-https}"

host_of() {
  host=$(az functionapp list --resource-group "$AZURE_RESOURCE_GROUP" \
    --query "[?tags.\"azd-service-name\"=='$1'].defaultHostName | [0]" --output tsv)
  if [ -z "$host" ]; then
    echo "No Function App tagged azd-service-name=$1 in $AZURE_RESOURCE_GROUP" >&2
    exit 1
  fi
  echo "$host"
}

orders="$scheme://$(host_of orders)"
inventory="$scheme://$(host_of inventory)"
payments="$scheme://$(host_of payments)"
token=$(az account get-access-token --resource "api://$API_CLIENT_ID" --query accessToken --output tsv)

field() { # name: reads one top-level field of the JSON on stdin (node is on every machine that built the package)
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{try{console.log(JSON.parse(s)[process.argv[1]]??"")}catch{console.log("")}})' "$1"
}

call() { # method url [body]: prints the body, fails on a non-2xx status
  curl --silent --show-error --fail-with-body --max-time 30 -X "$1" "$2" \
    -H "Authorization: Bearer $token" -H "content-type: application/json" ${3:+--data "$3"}
}

without_token() { # method url [body]: fails unless the API refuses the call without a token (401)
  status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 30 -X "$1" "$2" \
    -H "content-type: application/json" ${3:+--data "$3"})
  if [ "$status" != "401" ]; then
    echo "$1 $2 answered $status without a token (expected 401): App Service authentication is not enforced" >&2
    exit 1
  fi
  echo "$1 $2 without a token: 401"
}

# An API that serves anyone is a failed deployment, whatever the order does next: checked before anything is written.
without_token GET "$orders/api/orders/none"
without_token POST "$orders/api/orders" '{}'
without_token PUT "$inventory/api/inventory/SMOKE-unauthenticated" '{"available": 1}'
without_token POST "$payments/api/payment-methods" '{}'

sku="SMOKE-$(date +%s)"
call PUT "$inventory/api/inventory/$sku" '{"available": 1}' >/dev/null
# The card token goes to payments alone; the order names it by reference.
payment_method_id=$(call POST "$payments/api/payment-methods" "{\"customerId\":\"smoke-test\",\"paymentToken\":\"$payment_token\"}" | field paymentMethodId)
if [ -z "$payment_method_id" ]; then
  echo "Registering the card with payments failed" >&2
  exit 1
fi
placed=$(call POST "$orders/api/orders" \
  "{\"customerId\":\"smoke-test\",\"items\":[{\"sku\":\"$sku\",\"quantity\":1,\"unitPrice\":1.00}],\"currency\":\"EUR\",\"paymentMethodId\":\"$payment_method_id\"}")
order_id=$(printf '%s' "$placed" | field orderId)
correlation_id=$(printf '%s' "$placed" | field correlationId)
if [ -z "$order_id" ]; then
  echo "Placing the order failed: $placed" >&2
  exit 1
fi
echo "Placed order $order_id (flow $correlation_id) for $sku; waiting up to ${timeout_seconds}s for Confirmed"

waited=0
while [ "$waited" -lt "$timeout_seconds" ]; do
  order=$(call GET "$orders/api/orders/$order_id")
  status=$(printf '%s' "$order" | field status)
  case "$status" in
    Confirmed)
      echo "Confirmed after ${waited}s: $order"
      exit 0
      ;;
    Cancelled)
      echo "Cancelled after ${waited}s: $order" >&2
      exit 1
      ;;
  esac
  sleep "$poll_seconds"
  waited=$((waited + (poll_seconds > 0 ? poll_seconds : 1)))
done
echo "Still '${status:-unknown}' after ${timeout_seconds}s: $order" >&2
echo "Operators (Flows.Read) can follow the flow: GET $scheme://$(host_of journal)/api/flows/$correlation_id" >&2
exit 1
