import { describe, expect, it } from "vitest";
import { safeCallbackUrl, signInUrl } from "./callback-url";

describe("safeCallbackUrl", () => {
  it.each([
    "/",
    "/w/acme",
    "/w/acme/runs/run_123",
    "/w/acme/agents/writer?tab=versions&v=3",
    "/w/acme/members?q=a%20b#people",
    "/invite/tok_abc",
    "/w/acme/a:b@c", // userinfo-looking text in a path is still a path
  ])("keeps the same-site path %s", (path) => {
    expect(safeCallbackUrl(path)).toBe(path);
  });

  it.each([
    ["protocol-relative", "//evil.example"],
    ["protocol-relative with path", "//evil.example/w/acme"],
    ["backslash host", "/\\evil.example"],
    ["backslashes", "\\\\evil.example"],
    ["backslash later in the path", "/w/acme\\..\\x"],
    ["absolute http", "http://evil.example/"],
    ["absolute https", "https://evil.example/w/acme"],
    ["javascript", "javascript:alert(1)"],
    ["data", "data:text/html,<script>alert(1)</script>"],
    ["relative", "w/acme"],
    ["dot relative", "./w/acme"],
    ["tab between slashes", "/\t/evil.example"],
    ["newline between slashes", "/\n/evil.example"],
    ["carriage return", "/w/acme\r\nSet-Cookie: x=1"],
    ["NUL", "/w/\u0000acme"],
    ["DEL", "/w/\u007facme"],
    ["leading space", " /w/acme"],
    ["empty", ""],
    ["too long", `/${"a".repeat(2048)}`],
  ])("rejects %s", (_label, value) => {
    expect(safeCallbackUrl(value)).toBe("/");
    expect(safeCallbackUrl(value, "/w/acme")).toBe("/w/acme");
  });

  it("takes the first of repeated query values and falls back on none", () => {
    expect(safeCallbackUrl(["/w/a/runs", "//evil.example"])).toBe("/w/a/runs");
    expect(safeCallbackUrl(["//evil.example", "/w/a/runs"])).toBe("/");
    expect(safeCallbackUrl([])).toBe("/");
    expect(safeCallbackUrl(undefined, "/new")).toBe("/new");
    expect(safeCallbackUrl(null)).toBe("/");
  });
});

describe("signInUrl", () => {
  it("round-trips the exact path and query through callbackUrl", () => {
    const deep = "/w/acme/runs/run_1?step=n2&view=raw";
    const url = new URL(signInUrl(deep), "http://localhost");
    expect(url.pathname).toBe("/sign-in");
    expect(url.searchParams.get("callbackUrl")).toBe(deep);
    expect(safeCallbackUrl(url.searchParams.get("callbackUrl"))).toBe(deep);
  });

  it("drops an unsafe or home destination", () => {
    expect(signInUrl("//evil.example")).toBe("/sign-in");
    expect(signInUrl("https://evil.example/")).toBe("/sign-in");
    expect(signInUrl("/")).toBe("/sign-in");
    expect(signInUrl(null)).toBe("/sign-in");
  });
});
