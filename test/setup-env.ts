import { afterAll, inject, vi } from "vitest";
import { resetTestAuth } from "./next-auth-react";
import { resetTestRequest } from "./next-headers";
import { resetTestNavigation } from "./next-navigation";
import { resetTestWebAuthn } from "./simplewebauthn-browser";

// runs in each test worker before the test files import anything that reads env()
process.env.DATABASE_URL = inject("databaseUrl");
process.env.CADRE_DATABASE_MODE = inject("databaseMode");
process.env.CADRE_MASTER_KEY ??= Buffer.alloc(32, 7).toString("base64");
process.env.AUTH_SECRET ??= "test-secret-for-vitest-only-0123456789abcdef";
process.env.LOG_LEVEL ??= "silent";
(process.env as Record<string, string>).NODE_ENV = "test";
// the LLM stub and other local test servers listen on 127.0.0.1: the egress guard refuses loopback unless allowlisted
process.env.CADRE_EGRESS_ALLOW ??= "127.0.0.1,::1";

// every test file starts with the default answers of next/navigation's hooks (test/next-navigation.ts), a request
// without cookies (next/headers, test/next-headers.ts) and fresh spies for next-auth/react and @simplewebauthn/browser
// (test/next-auth-react.ts, test/simplewebauthn-browser.ts)
resetTestNavigation();
resetTestRequest();
resetTestAuth();
resetTestWebAuthn();

// files share one module graph (vitest.config.ts): what a file stubbed, and a fake clock, end with it
afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});
