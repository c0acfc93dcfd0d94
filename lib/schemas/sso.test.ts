import { describe, expect, it } from "vitest";
import { samlConnectionInputSchema } from "./sso";

describe("the SAML connection input", () => {
  const valid = { idpEntityId: "https://idp.example.com/entity", ssoUrl: "https://idp.example.com/sso" };

  it("refuses an SSO URL that is no URL with a validation issue naming it (the refinements do not throw)", () => {
    for (const ssoUrl of ["not a url", "https://idp.example.com/\u0000sso", ""]) {
      const result = samlConnectionInputSchema.safeParse({ ...valid, ssoUrl });
      expect(result.success, ssoUrl).toBe(false);
      expect(result.error!.issues.map((i) => i.path.join("."))).toContain("ssoUrl");
    }
  });

  it("refuses an SSO URL that already carries a SAMLRequest; accepts a plain one", () => {
    const carried = samlConnectionInputSchema.safeParse({ ...valid, ssoUrl: "https://idp.example.com/sso?SAMLRequest=abc" });
    expect(carried.error?.issues).toContainEqual(expect.objectContaining({ path: ["ssoUrl"], message: "The URL without a SAMLRequest" }));
    expect(samlConnectionInputSchema.safeParse(valid).success).toBe(true);
  });
});
