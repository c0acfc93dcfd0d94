/**
 * SCIM requests count against their organisation token's rate limit (shared with the organisation API): past it, a
 * SCIM 429 with Retry-After; one organisation's token using up its budget leaves another organisation's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setEnv } from "@/server/env";
import { ApiRateLimiter, useOrgTokenRateLimiter } from "@/server/http/rate-limit";
import { createOrgToken } from "@/server/scim/tokens";
import { makeScimOrg } from "@/test/fixtures/scim";
import { uniq } from "@/test/helpers";
import { SCIM_ERROR_SCHEMA } from "./errors";
import { scim } from "@/test/fixtures/scim";

beforeAll(() => {
  setEnv("CADRE_API_RATE_LIMIT", "3");
  // this file's own limiter, its clock fixed inside one window (the default one's counts are shared across runs)
  const now = Date.now();
  useOrgTokenRateLimiter(new ApiRateLimiter({ keyPrefix: `org-token-${uniq()}`, flushMs: 60_000, now: () => now }));
});
afterAll(() => {
  setEnv("CADRE_API_RATE_LIMIT", "600");
  useOrgTokenRateLimiter();
});

describe("SCIM rate limit", () => {
  it("answers a SCIM 429 with Retry-After past the token's limit; another organisation's token and another token are unaffected", async () => {
    const a = await makeScimOrg("scim-rl-a");
    const b = await makeScimOrg("scim-rl-b");
    for (let i = 0; i < 3; i++) {
      const ok = await scim("GET", a.slug, "Users", { token: a.token });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("ratelimit-remaining")).toBe(String(2 - i));
    }
    const refused = await scim("GET", a.slug, "Users", { token: a.token });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("content-type")).toContain("application/scim+json");
    expect(refused.body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: "429", detail: expect.stringContaining("Rate limit of 3 requests per minute") });
    // a write is refused too, and changes nothing
    expect((await scim("POST", a.slug, "Users", { token: a.token, body: { userName: `x@${a.domain}` } })).status).toBe(429);
    expect((await scim("GET", b.slug, "Users", { token: b.token })).status).toBe(200);
    const second = (await createOrgToken(a.ctx("admin"), { name: "second", scopes: ["scim"] })).token;
    expect((await scim("GET", a.slug, "Users", { token: second })).status).toBe(200);
    // a refused token is counted only once it is known: an invalid token is a 401, not a 429
    expect((await scim("GET", a.slug, "Users", { token: "cadre_org_nothing" })).status).toBe(401);
  });
});
