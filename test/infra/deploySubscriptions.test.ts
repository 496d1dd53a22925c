/**
 * infra/scripts/deploy-subscriptions.sh (azd's postdeploy hook) with a fake `az`. azd and the Azure CLI keep separate
 * logins: the hook runs with azd's environment (AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP) but `az` may be logged
 * out or pointed at another subscription, so the script must check and name the subscription itself.
 */
import { join } from "node:path";
import { findRepoRoot } from "#scripts/gen-infra";
import { runWithFakeAz } from "./fakeAz";

const script = join(findRepoRoot(__dirname), "infra", "scripts", "deploy-subscriptions.sh");
const subscriptionId = "00000000-0000-0000-0000-0000000000aa";
const azdEnvironment = {
  AZURE_SUBSCRIPTION_ID: subscriptionId,
  AZURE_RESOURCE_GROUP: "rg-choreography-dev",
  AZURE_ENV_NAME: "dev",
  SUBSCRIPTIONS_DEPLOY_DELAY_SECONDS: "0",
};

describe("infra/scripts/deploy-subscriptions.sh", () => {
  it("deploys subscriptions.bicep into azd's subscription and resource group, naming both", async () => {
    const run = await runWithFakeAz(script, { "account show": "echo '{}'", "deployment group": "exit 0" }, azdEnvironment);
    expect(run.code).toBe(0);
    const deploy = run.azCalls.filter((c) => c.startsWith("deployment group create"));
    expect(deploy).toHaveLength(1);
    expect(deploy[0]).toContain(`--subscription ${subscriptionId}`);
    expect(deploy[0]).toContain("--resource-group rg-choreography-dev");
    expect(deploy[0]).toContain("environmentName=dev");
    expect(run.azCalls[0]).toBe(`account show --subscription ${subscriptionId} --output none`);
  });

  it("stops at once, saying to run az login, when az cannot use that subscription (logged out or another tenant)", async () => {
    const run = await runWithFakeAz(
      script,
      { "account show": "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1", "deployment group": "exit 0" },
      azdEnvironment,
    );
    expect(run.code).toBe(1);
    expect(run.output).toContain(`az login`);
    expect(run.output).toContain(subscriptionId);
    expect(run.azCalls.filter((c) => c.startsWith("deployment"))).toEqual([]);
  });

  it("fails naming AZURE_SUBSCRIPTION_ID when it is not set, before calling az", async () => {
    const { AZURE_SUBSCRIPTION_ID: _omitted, ...withoutSubscription } = azdEnvironment;
    const run = await runWithFakeAz(script, { "account show": "exit 0", "deployment group": "exit 0" }, withoutSubscription);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("AZURE_SUBSCRIPTION_ID");
    expect(run.azCalls).toEqual([]);
  });
});
