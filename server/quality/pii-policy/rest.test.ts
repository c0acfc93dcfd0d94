/** The PII policy over REST: read, change (audited, owners and admins), try; each workspace sees only its own. */
import { beforeAll, describe, expect, it } from "vitest";
import { auditRows, makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";

let ws: TestWorkspace;
let other: TestWorkspace;
let owner: string;
let viewer: string;
let otherOwner: string;

beforeAll(async () => {
  ws = await makeWorkspace("pii-rest");
  other = await makeWorkspace("pii-rest-other");
  owner = (await makeApiKey(ws, "owner")).raw;
  viewer = (await makeApiKey(ws, "viewer")).raw;
  otherOwner = (await makeApiKey(other, "owner")).raw;
});

describe("/api/v1/workspace/pii", () => {
  it("starts at the safe default: secrets and tokens redacted everywhere, personal data kept", async () => {
    const res = await rest("GET", "/api/v1/workspace/pii", { key: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      isDefault: true,
      policy: { actions: { secret: "redact", jwt: "redact", email: "keep" }, paths: { storage: true, logs: true } },
    });
  });

  it("an owner changes it (audited); a viewer may not; bad input is a 422 and changes nothing", async () => {
    expect((await rest("PUT", "/api/v1/workspace/pii", { key: viewer, body: { actions: { email: "redact" } } })).status).toBe(403);
    expect((await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: { actions: { email: "shred" } } })).status).toBe(422);
    expect((await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: {} })).status).toBe(400);
    const res = await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: { actions: { email: "mask" }, paths: { logs: false } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ isDefault: false, policy: { actions: { email: "mask", secret: "redact" }, paths: { logs: false, storage: true } } });
    expect(await auditRows(ws.id, "workspace.pii.update")).toHaveLength(1);
  });

  it("a phone region finds numbers written nationally (preview); an unknown region is a 422 and changes nothing", async () => {
    const text = "Ring 020 7946 0958 about order 020 7946 0959";
    const policy = (await rest("GET", "/api/v1/workspace/pii", { key: owner })).body.policy;
    const before = await rest("POST", "/api/v1/workspace/pii/preview", {
      key: owner,
      body: { text, policy: { ...policy, actions: { ...policy.actions, phone: "redact" } } },
    });
    expect(before.body.findings).toEqual([]);
    expect((await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: { phoneRegion: "ZZ" } })).status).toBe(422);
    expect((await rest("GET", "/api/v1/workspace/pii", { key: owner })).body.policy.phoneRegion).toBeNull();
    const res = await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: { phoneRegion: "GB", actions: { phone: "redact" } } });
    expect(res.body.policy).toMatchObject({ phoneRegion: "GB", actions: { phone: "redact" } });
    const after = await rest("POST", "/api/v1/workspace/pii/preview", { key: owner, body: { text } });
    expect(after.body).toEqual({
      text: "Ring [PHONE] about order 020 7946 0959",
      findings: [{ entity: "phone", rule: "phone-national", start: 5, end: 18, action: "redact" }],
    });
    await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: { phoneRegion: null, actions: { phone: "keep" } } });
  });

  it("another workspace's key reads and changes only its own policy", async () => {
    await rest("PUT", "/api/v1/workspace/pii", { key: owner, body: { actions: { iban: "hash" } } });
    const theirs = await rest("GET", "/api/v1/workspace/pii", { key: otherOwner });
    expect(theirs.body).toMatchObject({ isDefault: true, policy: { actions: { iban: "keep", email: "keep" } } });
    await rest("PUT", "/api/v1/workspace/pii", { key: otherOwner, body: { actions: { email: "redact" } } });
    expect((await rest("GET", "/api/v1/workspace/pii", { key: owner })).body.policy.actions.email).toBe("mask");
  });

  it("preview: the text as the policy leaves it and the findings, never the values; hashes differ per workspace", async () => {
    const text = "Mail jane.doe@example.com, call +44 20 7946 0958";
    const policy = {
      actions: { secret: "redact", jwt: "redact", email: "redact", phone: "hash", payment_card: "keep", iban: "keep", us_ssn: "keep", ip_address: "keep" },
      paths: { outputs: true, storage: true, memory: true, sessions: true, tool_results: true, logs: true },
    };
    const mine = await rest("POST", "/api/v1/workspace/pii/preview", { key: viewer, body: { text, policy } });
    expect(mine.status).toBe(200);
    expect(mine.body.text).toMatch(/^Mail \[EMAIL\], call \[PHONE:[0-9a-f]{12}\]$/);
    expect(mine.body.findings).toEqual([
      { entity: "email", rule: "email", start: 5, end: 25, action: "redact" },
      { entity: "phone", rule: "phone", start: 32, end: 48, action: "hash" },
    ]);
    expect(JSON.stringify(mine.body.findings)).not.toContain("jane");
    const theirs = await rest("POST", "/api/v1/workspace/pii/preview", { key: otherOwner, body: { text, policy } });
    expect(theirs.body.text).not.toBe(mine.body.text);
    expect((await rest("POST", "/api/v1/workspace/pii/preview", { key: viewer, body: { text: "" } })).status).toBe(422);
  });
});
