/**
 * A provider's optional rate limits through the REST API: set on create, shown, changed and removed on update,
 * refused when not a whole number of at least 1.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { makeApiKey, makeWorkspace, rest, uniq, type TestWorkspace } from "@/test/helpers";

let ws: TestWorkspace;
let key: string;
beforeAll(async () => {
  ws = await makeWorkspace("prl");
  key = (await makeApiKey(ws, "owner")).raw;
});

describe("provider rate limits", () => {
  it("rpmLimit and tpmLimit: created, read, changed, removed; 0 refused", async () => {
    const created = await rest("POST", "/api/v1/providers", {
      key,
      body: { name: `Limited ${uniq()}`, kind: "openai_compatible", baseUrl: "http://127.0.0.1:9/v1", rpmLimit: 60, tpmLimit: 90_000 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ rpmLimit: 60, tpmLimit: 90_000 });
    const id = created.body.id as string;

    const changed = await rest("PATCH", "/api/v1/providers/{providerId}", { key, params: { providerId: id }, body: { rpmLimit: 10, tpmLimit: null } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ rpmLimit: 10, tpmLimit: null });

    const read = await rest("GET", "/api/v1/providers/{providerId}", { key, params: { providerId: id } });
    expect(read.body).toMatchObject({ rpmLimit: 10, tpmLimit: null });

    const refused = await rest("PATCH", "/api/v1/providers/{providerId}", { key, params: { providerId: id }, body: { rpmLimit: 0 } });
    expect(refused.status).toBe(422);
  });
});
