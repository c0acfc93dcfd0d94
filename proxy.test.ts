import { afterEach, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { setEnv } from "@/server/env";
import { proxy } from "./proxy";

const page = (headers: Record<string, string> = {}) => proxy(new NextRequest("http://127.0.0.1:3000/sign-in", { headers }));

afterEach(() => {
  setEnv("CADRE_TRUSTED_PROXIES", "");
  setEnv("CADRE_PUBLIC_URL", "");
});

describe("proxy: HSTS", () => {
  it("ignores a client's X-Forwarded-Proto without trusted proxies", () => {
    expect(page({ "x-forwarded-proto": "https" }).headers.get("strict-transport-security")).toBeNull();
  });

  it("believes X-Forwarded-Proto from a configured proxy, and an https CADRE_PUBLIC_URL", () => {
    setEnv("CADRE_TRUSTED_PROXIES", "10.0.0.0/8");
    expect(page({ "x-forwarded-proto": "https" }).headers.get("strict-transport-security")).toContain("max-age=");
    expect(page({ "x-forwarded-proto": "http" }).headers.get("strict-transport-security")).toBeNull();
    setEnv("CADRE_TRUSTED_PROXIES", "");
    setEnv("CADRE_PUBLIC_URL", "https://cadre.example.test");
    expect(page().headers.get("strict-transport-security")).toContain("max-age=");
  });
});
