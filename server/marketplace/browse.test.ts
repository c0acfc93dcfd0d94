/**
 * Browsing the marketplace across workspaces, against the real database: another workspace finds a public listing
 * in search, gets a 404 for an unlisted one by id and reads it by its link token; unpublished and removed listings
 * leave search (a removed one its link too) while installs keep reading them; search filters, sorts and pages;
 * reviews are anonymous, one per workspace, and counted; reports; the operator's removal; roles and cross-tenant
 * 404s over the service, tRPC and REST.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { createAgent } from "@/server/agents/service";
import { setEnv } from "@/server/env";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testDb as db } from "@/test/db";
import { makeRunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, auditRows, callerFor, makeApiKey, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { getListing, myListings, publishListing, republishListing, unpublishListing, updateListing } from "./listings";
import { removeListing } from "./operator";
import { reportListing } from "./reports";
import { listReviews, reviewListing } from "./reviews";
import { searchListings } from "./search";

let a: TestWorkspace;
let b: TestWorkspace;
let aOwner: TenantContext;
let bOwner: TenantContext;
let bMember: TenantContext;
let word: string;
const publish = (ctx: TenantContext, over: Record<string, unknown> = {}) =>
  publishListing(ctx, {
    source: { kind: "agent", ref: "helper" },
    slug: `helper-${uniq()}`,
    name: `Helper ${word}`,
    summary: "Helps with everything",
    category: "support",
    tags: [word],
    ...over,
  });

beforeAll(async () => {
  ({ ws: a, ctx: aOwner } = await makeRunWorkspace("mkt-a"));
  ({ ws: b, ctx: bOwner } = await makeRunWorkspace("mkt-b"));
  bMember = await resolveUserTenant(b.users.member, b.slug);
  word = `w${uniq()}`;
  await createAgent(aOwner, { slug: "helper", name: "Helper", instructions: "Help." });
});

afterAll(() => setEnv("CADRE_OPERATOR_EMAILS", ""));

describe("visibility", () => {
  it("another workspace finds a public listing, not an unlisted one; reads the unlisted one by its link only", async () => {
    const pub = await publish(aOwner);
    const unl = await publish(aOwner, { visibility: "unlisted" });
    const found = await searchListings(bMember, { q: word });
    expect(found.items.map((l) => l.id)).toEqual([pub.id]);
    expect(found.items[0]).toMatchObject({ mine: false, publisherName: `Workspace ${a.slug}`, latestVersion: 1 });
    // the publisher's own unlisted listing is not in search either
    expect((await searchListings(aOwner, { q: word })).items).toEqual([expect.objectContaining({ id: pub.id, mine: true })]);

    expect((await appErrorOf(getListing(bMember, unl.id))).code).toBe("NOT_FOUND");
    const byLink = await getListing(bMember, unl.linkToken!);
    expect(byLink).toMatchObject({ id: unl.id, linkToken: null, mine: false, installs: [], myReview: null });
    expect(byLink.latest.verified).toBe(true);
    expect((await getListing(bMember, pub.id)).linkToken).toBeNull();
    expect((await appErrorOf(getListing(bMember, "lnk_nothing"))).code).toBe("NOT_FOUND");
  });

  it("unpublishing hides a listing from search and new readers; republishing brings it back", async () => {
    const listing = await publish(aOwner);
    await unpublishListing(aOwner, listing.id);
    expect((await searchListings(bMember, { tags: [word] })).items.map((l) => l.id)).not.toContain(listing.id);
    expect((await appErrorOf(getListing(bMember, listing.id))).code).toBe("NOT_FOUND");
    expect((await getListing(aOwner, listing.id)).status).toBe("unpublished");
    await republishListing(aOwner, listing.id);
    expect((await searchListings(bMember, { tags: [word] })).items.map((l) => l.id)).toContain(listing.id);
    expect((await auditRows(a.id, "listing.unpublish")).some((r) => r.targetId === listing.id)).toBe(true);
  });

  it("another workspace cannot change, unpublish or version someone else's listing (404)", async () => {
    const listing = await publish(aOwner);
    // one after another: a rejection left waiting while another is awaited is an unhandled rejection
    for (const attempt of [
      () => updateListing(bOwner, { listing: listing.id, name: "Mine now" }),
      () => unpublishListing(bOwner, listing.id),
      () => republishListing(bOwner, listing.id),
    ])
      expect((await appErrorOf(attempt())).code).toBe("NOT_FOUND");
    const key = await makeApiKey(b, "owner");
    const patch = await rest("PATCH", "/api/v1/marketplace/listings/{listing}", { key: key.raw, params: { listing: listing.id }, body: { name: "Mine now" } });
    expect(patch.status).toBe(404);
    const unpub = await rest("POST", "/api/v1/marketplace/listings/{listing}/unpublish", { key: key.raw, params: { listing: listing.id } });
    expect(unpub.status).toBe(404);
    const versions = await rest("POST", "/api/v1/marketplace/listings/{listing}/versions", {
      key: key.raw,
      params: { listing: listing.id },
      body: { changelog: "x" },
    });
    expect(versions.status).toBe(404);
    expect((await getListing(aOwner, listing.id)).name).toBe(`Helper ${word}`);
  });
});

describe("search", () => {
  it("filters by category and tags, sorts by installs, rating and recency, and pages without gaps or repeats", async () => {
    const tag = `s${uniq()}`;
    const made = [];
    for (const [installs, ratingCount, ratingSum] of [
      [5, 2, 10],
      [50, 1, 3],
      [0, 0, 0],
      [20, 4, 18],
      [20, 1, 1],
    ])
      made.push({ id: (await publish(aOwner, { category: "data", tags: [tag, "shared"] })).id, installs, ratingCount, ratingSum });
    for (const m of made)
      await db().listing.update({ where: { id: m.id }, data: { installCount: m.installs, ratingCount: m.ratingCount, ratingSum: m.ratingSum } });

    const all = async (input: Parameters<typeof searchListings>[1]) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await searchListings(bMember, { ...input, limit: 2, ...(cursor ? { cursor } : {}) });
        ids.push(...page.items.map((l) => l.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    };
    const [m0, m1, m2, m3, m4] = made.map((m) => m.id) as [string, string, string, string, string];
    const tie = [m3, m4].sort().reverse();
    expect(await all({ tags: [tag], sort: "installs" })).toEqual([m1, ...tie, m0, m2]);
    // averages 5, 4.5, 3, 1, then the unrated one
    expect(await all({ tags: [tag], sort: "rating" })).toEqual([m0, m3, m1, m4, m2]);
    expect(new Set(await all({ tags: [tag], sort: "recent" }))).toEqual(new Set(made.map((m) => m.id)));
    expect(await all({ tags: [tag], category: "writing" })).toEqual([]);
    expect(await all({ q: `"Helper ${word}"`, tags: [tag, "shared"], sort: "installs" })).toEqual([m1, ...tie, m0, m2]);
    expect((await searchListings(bMember, { q: "nothing-matches-this-zz" })).items).toEqual([]);
    expect((await appErrorOf(searchListings(bMember, { cursor: "bm90LWEtY3Vyc29y" }))).code).toBe("INVALID_CURSOR");
  });
});

describe("reviews and reports", () => {
  it("one review per workspace, editable, counted, anonymous; not of one's own listing; not by a viewer", async () => {
    const listing = await publish(aOwner);
    await reviewListing(bMember, { listing: listing.id, rating: 4, body: "Good" });
    await reviewListing(bOwner, { listing: listing.id, rating: 2, body: "Worse than I thought" });
    let row = await db().listing.findUniqueOrThrow({ where: { id: listing.id } });
    expect([row.ratingCount, row.ratingSum]).toEqual([1, 2]);
    expect(await db().listingReview.count({ where: { listingId: listing.id } })).toBe(1);

    const { ws: c, ctx: cOwner } = await makeRunWorkspace("mkt-c");
    await reviewListing(cOwner, { listing: listing.id, rating: 5 });
    row = await db().listing.findUniqueOrThrow({ where: { id: listing.id } });
    expect([row.ratingCount, row.ratingSum]).toEqual([2, 7]);
    expect((await getListing(aOwner, listing.id)).ratingAverage).toBe(3.5);

    const seenByPublisher = await listReviews(aOwner, { listing: listing.id });
    expect(seenByPublisher.items).toHaveLength(2);
    for (const review of seenByPublisher.items) expect(Object.keys(review).sort()).toEqual(["body", "createdAt", "mine", "rating", "updatedAt"]);
    expect(JSON.stringify(seenByPublisher)).not.toContain(b.id);
    expect(JSON.stringify(seenByPublisher)).not.toContain(c.id);
    expect((await listReviews(bMember, { listing: listing.id })).items.filter((r) => r.mine)).toEqual([expect.objectContaining({ rating: 2 })]);
    expect((await getListing(bMember, listing.id)).myReview).toEqual({ rating: 2, body: "Worse than I thought" });

    expect((await appErrorOf(reviewListing(aOwner, { listing: listing.id, rating: 5 }))).code).toBe("VALIDATION_FAILED");
    const viewer = await outcome(callerFor(b.users.viewer, b.slug).marketplace.review({ listing: listing.id, rating: 1 }));
    expect(viewer).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const unl = await publish(aOwner, { visibility: "unlisted" });
    expect((await appErrorOf(reviewListing(bMember, { listing: unl.id, rating: 1 }))).code).toBe("NOT_FOUND");
    expect((await auditRows(b.id, "listing.review")).length).toBe(2);
  });

  it("one report per workspace; the publisher sees how many, not who", async () => {
    const listing = await publish(aOwner);
    await reportListing(bMember, { listing: listing.id, reason: "spam", details: "Ads" });
    expect((await appErrorOf(reportListing(bOwner, { listing: listing.id, reason: "broken" }))).code).toBe("CONFLICT");
    const mine = (await myListings(aOwner)).find((l) => l.id === listing.id)!;
    expect(mine).toMatchObject({ reports: 1, mine: true, linkToken: expect.stringMatching(/^lnk_/) });
    expect(JSON.stringify(mine)).not.toContain(b.id);
    expect(await auditRows(b.id, "listing.report")).toHaveLength(1);
  });
});

describe("the platform operator", () => {
  it("removes a listing: gone from search and its link, installs keep reading it; no one else may", async () => {
    const pub = await publish(aOwner);
    const unl = await publish(aOwner, { visibility: "unlisted" });
    setEnv("CADRE_OPERATOR_EMAILS", "");
    expect((await appErrorOf(removeListing(bOwner, { listing: pub.id, reason: "Spam" }))).code).toBe("FORBIDDEN");
    expect((await appErrorOf(removeListing(aOwner, { listing: pub.id, reason: "Spam" }))).code).toBe("FORBIDDEN");

    // B installed the public listing before its removal
    const version = await db().listingVersion.findFirstOrThrow({ where: { listingId: pub.id } });
    await db().listingInstall.create({
      data: {
        id: newId("lin"),
        workspaceId: b.id,
        listingId: pub.id,
        listingVersionId: version.id,
        version: 1,
        rootKind: "agent",
        rootId: newId("agt"),
        resources: {},
        updatedAt: new Date(),
      },
    });

    setEnv("CADRE_OPERATOR_EMAILS", ` Someone@example.test, ${b.users.viewer.email.toUpperCase()} `);
    const viewerOfB = await resolveUserTenant(b.users.viewer, b.slug);
    expect(await removeListing(viewerOfB, { listing: pub.id, reason: "Spam" })).toEqual({ id: pub.id, status: "removed" });
    const removed = await outcome(callerFor(b.users.viewer, b.slug).marketplace.remove({ listing: unl.id, reason: "Malware" }));
    expect(removed).toMatchObject({ ok: true });

    expect((await searchListings(bMember, { tags: [word] })).items.map((l) => l.id)).not.toContain(pub.id);
    expect((await appErrorOf(getListing(bMember, unl.linkToken!))).code).toBe("NOT_FOUND");
    const { ctx: dOwner } = await makeRunWorkspace("mkt-d");
    expect((await appErrorOf(getListing(dOwner, pub.id))).code).toBe("NOT_FOUND");
    // the installer still reads it (and sees why)
    expect((await getListing(bMember, pub.id)).status).toBe("removed");
    const [entry] = (await auditRows(a.id, "listing.remove")).filter((r) => r.targetId === pub.id);
    expect(entry).toMatchObject({ actorId: b.users.viewer.id, metadata: { reason: "Spam", previousStatus: "active" } });
    expect(await auditRows(b.id, "listing.remove")).toHaveLength(0);
    expect((await appErrorOf(republishListing(aOwner, pub.id))).code).toBe("CONFLICT");
    expect((await myListings(aOwner)).find((l) => l.id === pub.id)).toMatchObject({ status: "removed", removedReason: "Spam" });
  });
});

describe("over tRPC and REST", () => {
  it("a member cannot publish; keys search, read by link, review and report; a viewer's key cannot review", async () => {
    const member = await outcome(
      callerFor(a.users.member, a.slug).marketplace.publish({
        source: { kind: "agent", ref: "helper" },
        slug: `m-${uniq()}`,
        name: "x",
        summary: "x",
        category: "other",
      }),
    );
    expect(member).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const aKey = await makeApiKey(a, "admin");
    const created = await rest("POST", "/api/v1/marketplace/listings", {
      key: aKey.raw,
      body: {
        source: { kind: "agent", ref: "helper" },
        slug: `rest-${uniq()}`,
        name: `Rest ${word}`,
        summary: "Over REST",
        category: "other",
        tags: [word],
        visibility: "unlisted",
      },
    });
    expect(created.status).toBe(201);
    const { id, linkToken } = created.body as { id: string; linkToken: string };
    const memberKey = await makeApiKey(a, "member");
    expect(
      (
        await rest("POST", "/api/v1/marketplace/listings", {
          key: memberKey.raw,
          body: { source: { kind: "agent", ref: "helper" }, slug: `m-${uniq()}`, name: "x", summary: "x", category: "other" },
        })
      ).status,
    ).toBe(403);

    const bKey = await makeApiKey(b, "member");
    expect((await rest("GET", "/api/v1/marketplace/listings/{listing}", { key: bKey.raw, params: { listing: id } })).status).toBe(404);
    const byLink = await rest("GET", "/api/v1/marketplace/listings/{listing}", { key: bKey.raw, params: { listing: linkToken } });
    expect(byLink.status).toBe(200);
    expect(byLink.body).toMatchObject({ id, linkToken: null });

    const patched = await rest("PATCH", "/api/v1/marketplace/listings/{listing}", { key: aKey.raw, params: { listing: id }, body: { visibility: "public" } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    // what the patch leaves out stays
    expect(patched.body).toMatchObject({ visibility: "public", tags: [word], name: `Rest ${word}` });
    const renamed = await updateListing(aOwner, { listing: id, summary: "Over REST, renamed" });
    expect(renamed).toMatchObject({ visibility: "public", tags: [word], summary: "Over REST, renamed" });
    const search = await rest("GET", "/api/v1/marketplace/listings", { key: bKey.raw, query: { q: `Rest ${word}`, tags: word } });
    expect(search.status).toBe(200);
    expect((search.body as { data: { id: string }[] }).data.map((l) => l.id)).toEqual([id]);

    const review = await rest("PUT", "/api/v1/marketplace/listings/{listing}/reviews", {
      key: bKey.raw,
      params: { listing: id },
      body: { rating: 5, body: "Great" },
    });
    expect(review.status).toBe(200);
    expect(review.body).toMatchObject({ rating: 5, mine: true });
    const reviews = await rest("GET", "/api/v1/marketplace/listings/{listing}/reviews", { key: aKey.raw, params: { listing: id } });
    expect(reviews.body).toMatchObject({ data: [{ rating: 5, body: "Great", mine: false }], nextCursor: null });
    const viewerKey = await makeApiKey(b, "viewer");
    expect(
      (await rest("PUT", "/api/v1/marketplace/listings/{listing}/reviews", { key: viewerKey.raw, params: { listing: id }, body: { rating: 1 } })).status,
    ).toBe(403);
    const report = await rest("POST", "/api/v1/marketplace/listings/{listing}/reports", { key: bKey.raw, params: { listing: id }, body: { reason: "broken" } });
    expect(report.status).toBe(201);
    setEnv("CADRE_OPERATOR_EMAILS", "");
    expect(
      (await rest("POST", "/api/v1/marketplace/listings/{listing}/remove", { key: bKey.raw, params: { listing: id }, body: { reason: "x" } })).status,
    ).toBe(403);
  });

  it("a listing another workspace cannot read (unlisted by id, unpublished) is a 404 for its reviews, reports and install consent", async () => {
    const unlisted = await publish(aOwner, { visibility: "unlisted" });
    const unpublished = await publish(aOwner);
    await unpublishListing(aOwner, unpublished.id);
    const bKey = await makeApiKey(b, "owner");
    for (const id of [unlisted.id, unpublished.id]) {
      const params = { listing: id };
      expect((await rest("GET", "/api/v1/marketplace/listings/{listing}/reviews", { key: bKey.raw, params })).status, id).toBe(404);
      expect((await rest("POST", "/api/v1/marketplace/listings/{listing}/reports", { key: bKey.raw, params, body: { reason: "broken" } })).status, id).toBe(
        404,
      );
      expect((await rest("GET", "/api/v1/marketplace/installs/consent", { key: bKey.raw, query: { listing: id } })).status, id).toBe(404);
    }
    expect(await db().listingReport.count({ where: { listingId: { in: [unlisted.id, unpublished.id] } } })).toBe(0);
    // with the link, the unlisted listing is readable: the 404s above are its visibility, not the routes
    expect((await rest("GET", "/api/v1/marketplace/listings/{listing}/reviews", { key: bKey.raw, params: { listing: unlisted.linkToken! } })).status).toBe(200);
    const consent = await rest("GET", "/api/v1/marketplace/installs/consent", { key: bKey.raw, query: { listing: unlisted.linkToken! } });
    expect(consent.status).toBe(200);
    expect(consent.body.listingId).toBe(unlisted.id);
  });
});
