import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { signInWithPassword } from "./password-sign-in";

import { signIn } from "@/test/next-auth-react";

describe("signInWithPassword", () => {
  const assign = vi.fn();
  beforeEach(() => vi.stubGlobal("window", { location: { assign } }));
  afterEach(() => {
    vi.unstubAllGlobals();
    signIn.mockReset();
    assign.mockReset();
  });

  it("signs in without a redirect, then loads the callback URL", async () => {
    signIn.mockResolvedValue({ ok: true, error: undefined });
    expect(await signInWithPassword("a@b.c", "pw", "/w/x")).toBe("signed-in");
    expect(signIn).toHaveBeenCalledWith("credentials", { email: "a@b.c", password: "pw", redirect: false });
    expect(assign).toHaveBeenCalledWith("/w/x");
  });

  it("tells a refusal, a rate limit and an unreachable server apart, and stays on the page", async () => {
    signIn.mockResolvedValue({ error: "CredentialsSignin", code: "credentials" });
    expect(await signInWithPassword("a@b.c", "pw", "/")).toBe("refused");
    signIn.mockResolvedValue(undefined);
    expect(await signInWithPassword("a@b.c", "pw", "/")).toBe("refused");
    signIn.mockResolvedValue({ error: "CredentialsSignin", code: "rate_limited" });
    expect(await signInWithPassword("a@b.c", "pw", "/")).toBe("rate-limited");
    signIn.mockRejectedValue(new TypeError("fetch failed"));
    expect(await signInWithPassword("a@b.c", "pw", "/")).toBe("unreachable");
    expect(assign).not.toHaveBeenCalled();
  });
});
