import { describe, expect, it } from "vitest";
import { hostOf } from "./manifest";
import { scanPackage } from "./scan";

const paths = (value: unknown) => [...new Set(scanPackage(value).map((p) => p.path))];

describe("the package scanner", () => {
  it("passes ordinary content, templates with placeholders, and slot names", () => {
    const pkg = {
      agents: [{ slug: "writer", instructions: "Write a friendly reply. Use the key_points list. Mention sk-learn if asked.", allowedTools: ["crm_lookup"] }],
      tools: [
        {
          name: "crm_lookup",
          config: { urlTemplate: "https://api.example.com/{{id}}", headers: { authorization: "Bearer {{secret}}", accept: "application/json" } },
          secretSlot: "crm_lookup_secret",
        },
      ],
    };
    expect(scanPackage(pkg)).toEqual([]);
  });

  it("refuses secret values anywhere, naming the field and never echoing the value", () => {
    const secret = `sk-proj-${"a1B2c3D4e5".repeat(3)}`;
    const problems = scanPackage({ agents: [{ instructions: `Call the API with ${secret}.` }] });
    expect(problems.map((p) => p.path)).toEqual(["agents.0.instructions"]);
    expect(problems[0]!.message).toMatch(/API key/);
    expect(JSON.stringify(problems)).not.toContain(secret);
    expect(paths({ tools: [{ config: { headers: { authorization: "Bearer abcdefghijklmnopqrstuvwx123456" } } }] })).toEqual([
      "tools.0.config.headers.authorization",
    ]);
    expect(paths({ tools: [{ config: { headers: { "x-api-key": "Zq8vT3kLm9Xw2Rb7Nc4Hd6Jf1Gp5Ys0U" } } }] })).toEqual(["tools.0.config.headers.x-api-key"]);
    expect(paths({ a: "ghp_abcdefghijklmnopqrstuvwxyz0123456789" })).toEqual(["a"]);
    expect(paths({ a: "xoxb-1234567890-abcdefghij" })).toEqual(["a"]);
    expect(paths({ a: "AKIAIOSFODNN7EXAMPLE" })).toEqual(["a"]);
    expect(paths({ a: "-----BEGIN RSA PRIVATE KEY-----\nMIIE..." })).toEqual(["a"]);
    expect(paths({ a: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U" })).toEqual(["a"]);
    expect(paths({ mcpServers: [{ url: "https://bob:hunter22@mcp.example.com/mcp" }] })).toEqual(["mcpServers.0.url"]);
  });

  it("refuses vault ids, the publisher's Cadre ids and emails, in values and in keys", () => {
    expect(paths({ agents: [{ instructions: "Use secret sec_0123456789abcdefghij." }] })).toEqual(["agents.0.instructions"]);
    expect(scanPackage({ a: "sec_0123456789abcdefghij" })[0]!.message).toMatch(/vault secret id/);
    for (const id of [
      "ws_0123456789abcdefghij",
      "usr_0123456789abcdefghij",
      "key_0123456789abcdefghij",
      "run_0123456789abcdefghij",
      "memo_0123456789abcdefghij",
      "prv_0123456789abcdefghij",
      "mdl_0123456789abcdefghij",
    ])
      expect(paths({ teams: [{ spec: { note: `see ${id}` } }] }), id).toEqual(["teams.0.spec.note"]);
    // a judge's text: the publisher's judge, version and label ids; a secret planted in its instructions
    for (const id of ["jdg_0123456789abcdefghij", "jdv_0123456789abcdefghij", "lbl_0123456789abcdefghij"])
      expect(paths({ judges: [{ examples: [{ rationale: `as ${id} said` }] }] }), id).toEqual(["judges.0.examples.0.rationale"]);
    expect(paths({ judges: [{ instructions: `Verify with ${"ghp_"}abcdefghijklmnopqrstuvwxyz0123456789.` }] })).toEqual(["judges.0.instructions"]);
    expect(paths({ agents: [{ roleDescription: "Escalate to jane.doe@acme-corp.com when stuck." }] })).toEqual(["agents.0.roleDescription"]);
    expect(scanPackage({ a: "x jane@acme.io" })[0]!.message).toMatch(/email/);
    expect(paths({ tools: [{ inputSchema: { properties: { "ops@acme.io": { type: "string" } } } }] })).toEqual(["tools.0.inputSchema.properties.ops@acme.io"]);
    // not an email, not an id
    expect(scanPackage({ a: "Use @mentions and the key_value store; run_agent starts another agent; price: 5@3.50" })).toEqual([]);
  });

  it("takes the host of a URL template, or * when a placeholder decides it", () => {
    expect(hostOf("https://API.Example.com:8443/v1/{{x}}")).toBe("api.example.com");
    expect(hostOf("https://{{tenant}}.example.com/x")).toBe("*");
    expect(hostOf("not a url")).toBe("*");
  });
});

describe("the platform's PII and secret recognisers in the package scan", () => {
  // built at run time: nothing secret-looking is committed
  const gitlab = `gl${"pat-"}${"Qw3Er5Ty7Ui9Op1As3Df"}`;
  it("finds what its own patterns miss: a GitLab token, a payment card, an IBAN, a phone number, never their values", () => {
    const problems = scanPackage({
      agents: [
        { instructions: `Use ${gitlab} to read the repo`, notes: "Charge 4111 1111 1111 1111", bank: "GB82 WEST 1234 5698 7654 32", phone: "+44 20 7946 0958" },
      ],
    });
    expect(problems.map((p) => p.path).sort()).toEqual(["agents.0.bank", "agents.0.instructions", "agents.0.notes", "agents.0.phone"]);
    expect(problems.find((p) => p.path === "agents.0.instructions")!.message).toContain("gitlab-pat");
    expect(JSON.stringify(problems)).not.toContain(gitlab);
  });

  it("leaves versions, order numbers and commit hashes alone", () => {
    expect(scanPackage({ agents: [{ instructions: "Version 2.4.1, order 4410-2231-9987, commit 9f3c2ab1d4e5f60718293a4b5c6d7e8f90a1b2c3" }] })).toEqual([]);
  });
});
