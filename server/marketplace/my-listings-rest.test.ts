/**
 * GET /api/v1/marketplace/my-listings with API keys: the publisher's own listings, whatever their visibility or
 * status, with install counts and open reports; another workspace's key sees only its own (never the publisher's).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";
import { agentPackage, writeListing } from "@/test/fixtures/marketplace-installs";

let A: TestWorkspace;
let B: TestWorkspace;
beforeEach(async () => {
  A = await makeWorkspace("my-pub");
  B = await makeWorkspace("my-inst");
});

const PATH = "/api/v1/marketplace/my-listings";
type Mine = { id: string; installCount: number; reports: number; visibility: string; status: string; linkToken: string; mine: boolean };

describe("REST GET /api/v1/marketplace/my-listings", () => {
  it("lists the workspace's own listings with counts and open reports; another workspace's key sees only its own", async () => {
    const shared = await writeListing(A.id, agentPackage("concierge"), { name: "Concierge" });
    const unlisted = await writeListing(A.id, agentPackage("scribe"), { name: "Scribe", visibility: "unlisted" });
    await db().listing.update({ where: { id: unlisted.id }, data: { status: "unpublished" } });
    const bOwn = await writeListing(B.id, agentPackage("greeter"), { name: "Greeter" });
    const aKey = (await makeApiKey(A, "viewer")).raw;
    const bKey = (await makeApiKey(B, "member")).raw;

    // B installs and reports A's public listing
    const consent = await rest("GET", "/api/v1/marketplace/installs/consent", { key: bKey, query: { listing: shared.id } });
    expect(
      (await rest("POST", "/api/v1/marketplace/installs", { key: bKey, body: { listing: shared.id, consentDigest: consent.body.consentDigest } })).status,
    ).toBe(201);
    const reported = await rest("POST", "/api/v1/marketplace/listings/{listing}/reports", {
      key: bKey,
      params: { listing: shared.id },
      body: { reason: "broken" },
    });
    expect(reported.status).toBe(201);

    const mine = await rest("GET", PATH, { key: aKey });
    expect(mine.status).toBe(200);
    const rows = mine.body.data as Mine[];
    expect(rows.map((r) => r.id).sort()).toEqual([shared.id, unlisted.id].sort());
    expect(rows.find((r) => r.id === shared.id)).toMatchObject({ installCount: 1, reports: 1, mine: true, status: "active" });
    expect(rows.find((r) => r.id === unlisted.id)).toMatchObject({
      installCount: 0,
      reports: 0,
      visibility: "unlisted",
      status: "unpublished",
      linkToken: unlisted.linkToken,
    });
    // the installer's key: its own listing only, not the one it installed and reported
    const theirs = await rest("GET", PATH, { key: bKey });
    expect(theirs.status).toBe(200);
    expect((theirs.body.data as Mine[]).map((r) => r.id)).toEqual([bOwn.id]);
    expect(JSON.stringify(mine.body)).not.toContain(B.id);
  });
});
