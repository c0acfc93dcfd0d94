import { defineConfig } from "@playwright/test";
import { E2E_DNS_PORT } from "./test/dns-server";

const port = Number(process.env.E2E_PORT ?? 3217);
const baseURL = `http://127.0.0.1:${port}`;
/** the suite server's embedded database (E2E_DATA_DIR: two suites can run side by side on other ports) */
const dataDir = process.env.E2E_DATA_DIR ?? ".data/e2e";

/** e2e against a production build (`npm run build` first; `npm start` builds if none exists) on a fresh embedded database. */
export default defineConfig({
  testDir: "e2e",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `rm -rf ${dataDir} && npm start`,
    url: `${baseURL}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      CADRE_DATA_DIR: dataDir,
      DATABASE_URL: "",
      AUTH_SECRET: "e2e-secret-not-for-production-0123456789",
      NEXT_TELEMETRY_DISABLED: "1",
      // the journeys point providers at the LLM stub on 127.0.0.1: loopback is reachable only through this allowlist
      CADRE_EGRESS_ALLOW: "127.0.0.1,::1",
      // domain verification asks the journeys' DNS server (e2e/enterprise-identity.spec.ts starts it on this port)
      CADRE_DNS_SERVERS: `127.0.0.1:${E2E_DNS_PORT}`,
    },
  },
});
