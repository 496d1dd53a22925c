/**
 * The dashboard page in Azure: the journal app answers 401 to a browser without an App Service authentication session.
 * A stand-in serves the real page at /api/dashboard, answers the flows API with 401 until the browser holds the session
 * cookie the platform's /.auth/login/aad endpoint would set, and then with 403 (no Flows.Read) or the flows.
 */
import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Browser, chromium } from "playwright-core";
import { InvocationContext } from "@azure/functions";
import { getDashboard } from "#src/services/journal/dashboard/dashboardHttp";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

interface StandIn {
  readonly server: Server;
  readonly base: string;
  readonly logins: string[];
}

const startStandIn = async (signedInAnswer: 200 | 403): Promise<StandIn> => {
  const page = await getDashboard(undefined as never, undefined as never, new InvocationContext());
  const html = typeof page.body === "string" ? page.body : "";
  const logins: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const signedIn = (req.headers.cookie ?? "").includes("AppServiceAuthSession=ok");
    if (url.pathname === "/.auth/login/aad") {
      logins.push(url.searchParams.get("post_login_redirect_uri") ?? "");
      res.writeHead(302, { location: url.searchParams.get("post_login_redirect_uri") ?? "/", "set-cookie": "AppServiceAuthSession=ok; Path=/; HttpOnly" });
      return res.end();
    }
    if (url.pathname === "/api/dashboard") {
      res.writeHead(200, page.headers as Record<string, string>);
      return res.end(html);
    }
    if (url.pathname.startsWith("/api/flows")) {
      const status = signedIn ? signedInAnswer : 401;
      res.writeHead(status, { "content-type": "application/json" });
      return res.end(JSON.stringify(status === 200 ? { flows: [] } : { status }));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logins };
};

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe("the journal dashboard behind App Service authentication", () => {
  it("sends a browser without a session to the platform's sign-in and comes back to the dashboard, live", async () => {
    const standIn = await startStandIn(200);
    const page = await browser.newPage();
    try {
      await page.goto(`${standIn.base}/api/dashboard?flow=order`);
      await page.locator("#live.ok").waitFor({ timeout: 10_000 });
      expect(standIn.logins).toEqual(["/api/dashboard?flow=order"]);
      expect(new URL(page.url()).pathname).toBe("/api/dashboard");
    } finally {
      await page.close();
      standIn.server.close();
    }
  }, 30_000);

  it("signs in once, then shows why it cannot update (403 without Flows.Read) instead of looping", async () => {
    const standIn = await startStandIn(403);
    const page = await browser.newPage();
    try {
      await page.goto(`${standIn.base}/api/dashboard`);
      await page.locator("#live", { hasText: "answered 403" }).waitFor({ timeout: 10_000 });
      await page.waitForTimeout(2_500);
      expect(standIn.logins).toEqual(["/api/dashboard"]);
    } finally {
      await page.close();
      standIn.server.close();
    }
  }, 30_000);
});
