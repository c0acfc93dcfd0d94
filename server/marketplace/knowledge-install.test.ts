/**
 * Knowledge documents bundled in a listing: publishing an agent with a document carries it in the signed package (the
 * scanner refuses an email in it, naming the field, writing nothing); installing it queues a MemoryDocument in the
 * installer's workspace at the mapped scope (agent scope: the installed agent's id), never in the publisher's; an
 * installer without memory:write is refused before anything is written.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { PackageKnowledge } from "./package";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { createAgent } from "@/server/agents/service";
import { testDb as db } from "@/test/db";
import { makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { appErrorOf, makeApiKey, uniq } from "@/test/helpers";
import { permissionsOf } from "@/lib/permissions";
import { installConsent, installListing } from "./install";
import { publishListing } from "./listings";

let A: RunWorkspace;
let B: RunWorkspace;
beforeEach(async () => {
  A = await makeRunWorkspace("knowledge-pub");
  B = await makeRunWorkspace("knowledge-inst");
  await createAgent(A.ctx, {
    slug: "support",
    name: "Support",
    instructions: "Answer from the handbook.",
    modelPolicy: { type: "constraints", constraints: { minQuality: 0.5 } },
    maxOutputTokens: 500,
  });
});

const handbook: PackageKnowledge = {
  title: "Refund handbook",
  scope: { type: "agent", slug: "support" },
  format: "markdown",
  text: "# Refunds\n\nRefund within 30 days of purchase; after that, offer store credit.",
};
const glossary: PackageKnowledge = { title: "Glossary", scope: { type: "workspace" }, format: "text", text: "SKU: stock keeping unit." };

const publish = (knowledge: PackageKnowledge[]) =>
  publishListing(A.ctx, {
    source: { kind: "agent", ref: "support" },
    slug: `support-${uniq()}`,
    name: "Support agent",
    summary: "Answers refund questions",
    category: "support",
    knowledge,
  });

describe("knowledge documents in a listing", () => {
  it("are bundled when published; the scanner refuses an email inside one, naming knowledge.0.text", async () => {
    const listing = await publish([handbook, glossary]);
    expect(listing.latest.package.knowledge).toEqual([handbook, glossary]);
    expect(listing.latest.manifest.memory.knowledgeDocuments).toBe(2);
    expect(listing.latest.verified).toBe(true);

    const before = await db().listing.count({ where: { workspaceId: A.ws.id } });
    const refused = await appErrorOf(publish([{ ...handbook, text: "Escalate to jane.doe@example.com when unsure." }]));
    expect(refused.code).toBe("VALIDATION_FAILED");
    expect(((refused.details?.issues ?? []) as { path: string }[]).map((i) => i.path)).toEqual(["knowledge.0.text"]);
    expect(await db().listing.count({ where: { workspaceId: A.ws.id } })).toBe(before);
  });

  it("are queued into the installer's memory at the mapped scope, none in the publisher's", async () => {
    const listing = await publish([handbook, glossary]);
    const consent = await installConsent(B.ctx, { listing: listing.id });
    expect(consent.manifest.memory.knowledgeDocuments).toBe(2);
    const install = await installListing(B.ctx, { listing: listing.id, consentDigest: consent.consentDigest });
    const agentId = install.agents.find((a) => a.slug === "support")!.id;

    const docs = await db().memoryDocument.findMany({ where: { workspaceId: B.ws.id }, orderBy: { title: "asc" } });
    expect(docs.map((d) => ({ title: d.title, scopeType: d.scopeType, scopeId: d.scopeId, mimeType: d.mimeType }))).toEqual([
      { title: "Glossary", scopeType: "workspace", scopeId: null, mimeType: "text/plain" },
      { title: "Refund handbook", scopeType: "agent", scopeId: agentId, mimeType: "text/markdown" },
    ]);
    // the installed agent is B's; the publisher's agent and workspace get nothing
    expect((await db().agent.findUniqueOrThrow({ where: { id: agentId } })).workspaceId).toBe(B.ws.id);
    expect(await db().memoryDocument.count({ where: { workspaceId: A.ws.id } })).toBe(0);
    const audited = await db().auditLog.findMany({ where: { action: "memory_document.create" }, select: { workspaceId: true } });
    expect(audited.filter((r) => r.workspaceId === A.ws.id)).toEqual([]);
    expect(audited.filter((r) => r.workspaceId === B.ws.id)).toHaveLength(2);
  });

  it("refuses an install without memory:write up front, and installs the same listing without knowledge", async () => {
    const withKnowledge = await publish([handbook]);
    const scopes = permissionsOf("owner").filter((p) => p !== "memory:write");
    const key = await makeApiKey(B.ws, "owner", scopes);
    const ctx = await authenticateApiKey(key.raw);
    const consent = await installConsent(ctx, { listing: withKnowledge.id });
    const refused = await appErrorOf(installListing(ctx, { listing: withKnowledge.id, consentDigest: consent.consentDigest }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toContain("memory:write");
    expect(await db().agent.count({ where: { workspaceId: B.ws.id } })).toBe(0);
    expect(await db().listingInstall.count({ where: { workspaceId: B.ws.id } })).toBe(0);
    expect(await db().memoryDocument.count({ where: { workspaceId: B.ws.id } })).toBe(0);

    const plain = await publish([]);
    const plainConsent = await installConsent(ctx, { listing: plain.id });
    const installed = await installListing(ctx, { listing: plain.id, consentDigest: plainConsent.consentDigest });
    expect(installed.agents.map((a) => a.slug)).toEqual(["support"]);
  });
});
