import { describe, expect, it } from "vitest";
import { describeAuthError } from "./auth-messages";

describe("describeAuthError", () => {
  it("explains every refusal of the OAuth rules with its own message, and tells the pre-registered case what to do", () => {
    const codes = ["EmailUnverified", "AccountNotLinked", "SignupClosed", "LinkedElsewhere", "ProviderAlreadyLinked", "UnknownProvider"];
    const messages = codes.map(describeAuthError);
    expect(new Set(messages).size).toBe(codes.length);
    expect(messages).not.toContain(describeAuthError("something-else"));
    expect(describeAuthError("AccountNotLinked")).toMatch(/Sign in with your password, then connect/);
    expect(describeAuthError(undefined)).toBeNull();
  });
});
