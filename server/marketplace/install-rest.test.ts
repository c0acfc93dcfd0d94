/**
 * The installs' REST routes with API keys: consent, install, list, get, diff, update, uninstall; another
 * workspace's key gets 404 for the install, and a viewer's key cannot install.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";
import { agentPackage, writeListing, writeVersion } from "@/test/fixtures/marketplace-installs";

let A: TestWorkspace;
let B: TestWorkspace;
beforeEach(async () => {
  A = await makeWorkspace("pub");
  B = await makeWorkspace("inst");
});

const BASE = "/api/v1/marketplace/installs";

describe("REST /api/v1/marketplace/installs", () => {
  it("consent, install, list, get, diff, update, uninstall; 404 across workspaces, 403 for a viewer", async () => {
    const listing = await writeListing(A.id, agentPackage("concierge"));
    const key = (await makeApiKey(B, "member")).raw;
    const viewerKey = (await makeApiKey(B, "viewer")).raw;
    const otherKey = (await makeApiKey(A, "owner")).raw;

    const consent = await rest("GET", `${BASE}/consent`, { key, query: { listing: listing.id } });
    expect(consent.status).toBe(200);
    expect(consent.body).toMatchObject({ listingId: listing.id, version: 1, secretSlots: [] });
    const body = { listing: listing.id, consentDigest: consent.body.consentDigest };
    expect((await rest("POST", BASE, { key: viewerKey, body })).status).toBe(403);
    expect((await rest("POST", BASE, { key, body: { ...body, consentDigest: "nope" } })).status).toBe(409);

    const created = await rest("POST", BASE, { key, body });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.agents.map((a: { slug: string }) => a.slug)).toEqual(["concierge"]);
    expect((await rest("GET", BASE, { key })).body.data.map((i: { id: string }) => i.id)).toEqual([id]);
    expect((await rest("GET", `${BASE}/{installId}`, { key, params: { installId: id } })).status).toBe(200);

    // another workspace's key: the install does not exist for it
    expect((await rest("GET", `${BASE}/{installId}`, { key: otherKey, params: { installId: id } })).status).toBe(404);
    expect((await rest("GET", BASE, { key: otherKey })).body.data).toEqual([]);
    expect((await rest("DELETE", `${BASE}/{installId}`, { key: otherKey, params: { installId: id } })).status).toBe(404);
    expect((await rest("GET", `${BASE}/{installId}/diff`, { key: otherKey, params: { installId: id }, query: { version: "1" } })).status).toBe(404);

    const pkg2 = agentPackage("concierge");
    pkg2.agents[0]!.instructions = "Help, politely.";
    await writeVersion(listing.id, A.id, pkg2);
    const diff = await rest("GET", `${BASE}/{installId}/diff`, { key, params: { installId: id }, query: { version: "2" } });
    expect(diff.status).toBe(200);
    expect(diff.body.agents).toEqual([{ slug: "concierge", change: "changed", fields: ["instructions"], instructionsDiff: "- Help.\n+ Help, politely." }]);
    // another workspace cannot update the install (404), even with the right digest; the install stays at version 1
    const foreignUpdate = await rest("POST", `${BASE}/{installId}/update`, {
      key: otherKey,
      params: { installId: id },
      body: { version: 2, consentDigest: diff.body.consentDigest },
    });
    expect(foreignUpdate.status).toBe(404);
    expect((await rest("GET", `${BASE}/{installId}`, { key, params: { installId: id } })).body.version).toBe(1);
    const updated = await rest("POST", `${BASE}/{installId}/update`, {
      key,
      params: { installId: id },
      body: { version: 2, consentDigest: diff.body.consentDigest },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);

    expect((await rest("DELETE", `${BASE}/{installId}`, { key, params: { installId: id } })).status).toBe(200);
    expect((await rest("GET", `${BASE}/{installId}`, { key, params: { installId: id } })).status).toBe(404);
    expect((await db().listing.findUniqueOrThrow({ where: { id: listing.id } })).installCount).toBe(0);
  });
});
