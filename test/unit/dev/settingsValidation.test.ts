import { validateAppSettings } from "#src/platform/registerServices";
import { serviceModules } from "#src/services";
import { serviceNames } from "#src/topology";
import sample from "../../../local.settings.sample.json";

/** What a host checks before it registers anything: every setting the selected services read. */
describe("settings validated at host start", () => {
  const good = { ...(sample.Values as Record<string, string>) };

  it("accepts the sample settings for every service", () => {
    expect(() => validateAppSettings(good, serviceNames, serviceModules)).not.toThrow();
  });

  it("refuses a non-numeric FREE_CREDITS_AMOUNT in one line naming the setting and the service", () => {
    let message = "";
    try {
      validateAppSettings({ ...good, FREE_CREDITS_AMOUNT: "ten" }, serviceNames, serviceModules);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^rewards: Invalid rewards settings: FREE_CREDITS_AMOUNT: /);
    expect(message).not.toContain("\n");
  });

  it("names every bad setting of every selected service, the platform's included, and ignores services not selected", () => {
    const env = { ...good, COSMOS__accountEndpoint: "not a url", PAYMENT_GATEWAY_TIMEOUT_MS: "soon", BANK_API_URL: "" };
    expect(() => validateAppSettings(env, ["payments", "banking"], serviceModules)).toThrow(
      /^platform: Invalid app settings: COSMOS__accountEndpoint: .* \| payments: Invalid payments settings: PAYMENT_GATEWAY_TIMEOUT_MS: .* \| banking: Invalid banking settings: BANK_API_URL: /,
    );
    expect(() => validateAppSettings({ ...good, FREE_CREDITS_AMOUNT: "ten" }, ["orders"], serviceModules)).not.toThrow();
  });
});
