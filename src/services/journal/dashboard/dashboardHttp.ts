import { HttpHandler } from "../../../platform/serviceModule";
import { dashboardPage } from "./page";

/** GET /api/dashboard: one self-contained page; it reads the flows API next to it (relative URLs), so any prefix works. */
export const getDashboard: HttpHandler<unknown> = async () => ({
  status: 200,
  body: dashboardPage.html,
  headers: {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": dashboardPage.contentSecurityPolicy,
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  },
});
