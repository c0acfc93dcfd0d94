/**
 * Documents ingested into memory (issue 14) against the real database: Markdown, PDF and HTML documents become
 * semantic memories that recall finds by their content, with progress up to the total; a worker stopped between
 * batches, and one that died (its lease expired) after committing chunks but not its progress, are resumed without a
 * duplicate chunk; a stale worker writes nothing; bad input is refused (413, 422); delete removes the memories from
 * recall at once; roles, REST, audit, cross-tenant 404s.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { DOCUMENT_BATCH_SIZE, DOCUMENT_CHUNK_SIZE, DOCUMENT_MAX_BYTES } from "@/lib/schemas/memory-documents";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { recall } from "@/server/memory/recall";
import { createMemoryDocument, deleteMemoryDocument, getMemoryDocument, ingestNextBatch, listMemoryDocuments } from "@/server/memory/documents/service";
import { foreignResource } from "@/server/http/foreign-resource";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { base64, minimalPdf } from "@/test/fixtures/pdf";
import { claimDocument, DOCUMENT_MAX_ATTEMPTS, startDocumentWorker, submitMemoryDocument, type DocumentWorker } from "./memory-documents";
import { documentContext } from "./memory-document-job";

type Role = "owner" | "admin" | "member" | "viewer";
const ctxOf = (ws: TestWorkspace, role: Role = "owner"): Promise<TenantContext> => resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);

let ws: TestWorkspace;
let other: TestWorkspace;
let owner: TenantContext;
const workers: DocumentWorker[] = [];

beforeAll(async () => {
  ws = await makeWorkspace("documents");
  other = await makeWorkspace("documents-other");
  owner = await ctxOf(ws);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

/** A worker of the test's workspaces only, polling fast. */
function worker(options: Parameters<typeof startDocumentWorker>[0] = {}): DocumentWorker {
  const w = startDocumentWorker({ workspaceIds: [ws.id], pollMs: 25, leaseMs: 5_000, ...options });
  workers.push(w);
  return w;
}

async function readyDocument(id: string, ctx = owner) {
  await expect.poll(async () => (await getMemoryDocument(ctx, id)).status, { timeout: 30_000, interval: 50 }).toBe("ready");
  return getMemoryDocument(ctx, id);
}

const chunkRows = (documentId: string) =>
  db().memory.findMany({
    where: { documentId },
    orderBy: { chunkIndex: "asc" },
    select: { id: true, chunkIndex: true, content: true, source: true, sourceRef: true, kind: true },
  });

/** A Markdown handbook of `sections` sections of ~900 characters, words drawn deterministically; `special` goes into section 7. */
function handbook(sections: number, special: string): string {
  const words = [
    "ledger",
    "invoice",
    "courier",
    "harbour",
    "glacier",
    "lantern",
    "meadow",
    "orbit",
    "pepper",
    "quarry",
    "saddle",
    "timber",
    "velvet",
    "walnut",
  ];
  let seed = 7;
  const next = () => {
    seed = (seed * 9301 + 49297) % 233280;
    return words[seed % words.length]!;
  };
  const out = ["# Operations handbook", ""];
  for (let s = 0; s < sections; s++) {
    out.push(`## Section ${s}`, "");
    const sentence = () => `${Array.from({ length: 12 }, next).join(" ")}.`;
    out.push(Array.from({ length: 6 }, sentence).join(" "), "");
    out.push(s === 7 ? special : Array.from({ length: 4 }, sentence).join(" "), "");
  }
  return out.join("\n");
}

describe("ingestion", () => {
  it("a Markdown document: queued with its chunk count, ingested in batches by the worker, its chunks recalled by content; costed and audited", async () => {
    const usageBefore = await db().usageRecord.count({ where: { workspaceId: ws.id, outcome: "ok" } });
    const text = handbook(40, "The heliotrope quokka protocol rotates the staging keys every Tuesday.");
    const doc = await submitMemoryDocument(owner, { text, scope: { type: "team", id: "team_ops" }, fileName: "handbook.md" });
    expect(doc).toMatchObject({
      id: expect.stringMatching(/^mdoc_/),
      title: "handbook.md",
      mimeType: "text/markdown",
      sizeBytes: Buffer.byteLength(text),
      status: "queued",
      scope: { type: "team", id: "team_ops" },
      createdByType: "user",
      createdById: ws.users.owner.id,
      error: null,
    });
    const total = doc.progress.chunksTotal;
    expect(total).toBeGreaterThan(DOCUMENT_BATCH_SIZE); // more than one batch
    expect(doc.progress.chunksDone).toBe(0);

    const seen: number[] = [];
    worker({ onBatch: (_d, o) => void seen.push(o.chunksDone) });
    const ready = await readyDocument(doc.id);
    expect(ready.progress).toEqual({ chunksDone: total, chunksTotal: total });
    expect(ready.finishedAt).not.toBeNull();
    expect(seen).toEqual([DOCUMENT_BATCH_SIZE, total]);
    // its text is not kept once its chunks are memories
    expect((await db().memoryDocument.findUniqueOrThrow({ where: { id: doc.id } })).text).toBeNull();

    const rows = await chunkRows(doc.id);
    expect(rows.map((r) => r.chunkIndex)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(rows.every((r) => r.kind === "semantic" && r.source === "document" && r.content.length <= DOCUMENT_CHUNK_SIZE)).toBe(true);
    expect(rows[3]!.sourceRef).toEqual({ documentId: doc.id, chunkIndex: 3 });
    // one gateway call per batch, each costed
    expect(await db().usageRecord.count({ where: { workspaceId: ws.id, outcome: "ok" } })).toBe(usageBefore + Math.ceil(total / DOCUMENT_BATCH_SIZE));

    const r = await recall(owner, { query: "heliotrope quokka protocol", scopes: [{ type: "team", id: "team_ops" }] });
    expect(r.results[0]!.memory.content).toContain("The heliotrope quokka protocol rotates the staging keys every Tuesday.");
    expect(r.results[0]!.memory).toMatchObject({ source: "document", sourceRef: { documentId: doc.id } });
    expect(r.results[0]!.why.textRank).toBe(1);
    // another scope does not see it
    expect((await recall(owner, { query: "heliotrope quokka protocol" })).results.map((x) => x.memory.id)).not.toContain(r.results[0]!.memory.id);
    expect((await auditRows(ws.id, "memory_document.create"))[0]).toMatchObject({
      targetType: "memory_document",
      targetId: doc.id,
      metadata: { mimeType: "text/markdown", chunks: total },
    });
  });

  it("a PDF (uploaded as base64): its text extracted page by page, chunked, recalled", async () => {
    const pdf = minimalPdf([["Quarterly review of the zebrafish aquarium."], ["The aquarium pump model is XR-7731 and it hums at night."]]);
    const doc = await submitMemoryDocument(owner, { contentBase64: base64(pdf), fileName: "review.pdf", mimeType: "application/pdf" });
    expect(doc).toMatchObject({ mimeType: "application/pdf", sizeBytes: pdf.byteLength, title: "review.pdf", progress: { chunksTotal: 1 } });
    worker();
    const ready = await readyDocument(doc.id);
    expect(ready.progress).toEqual({ chunksDone: 1, chunksTotal: 1 });
    const [chunk] = await chunkRows(doc.id);
    expect(chunk!.content).toBe("Quarterly review of the zebrafish aquarium.\n\nThe aquarium pump model is XR-7731 and it hums at night.");
    const r = await recall(owner, { query: "XR-7731" });
    expect(r.results[0]!.memory.id).toBe(chunk!.id);
  });

  it("HTML becomes Markdown (readability + turndown): the article's text, no script; the type comes from the content", async () => {
    const html = `<!doctype html><html><head><title>Runbook</title><script>var secretToken = "do-not-store";</script></head>
      <body><article><h1>Runbook</h1><p>Restart the marmalade service with the blue lever when the gauge reads eleven.</p>
      <p>${"Further notes about the service and its many gauges. ".repeat(8)}</p></article></body></html>`;
    const doc = await submitMemoryDocument(owner, { text: html });
    expect(doc).toMatchObject({ mimeType: "text/html", title: "Runbook" });
    worker();
    await readyDocument(doc.id);
    const contents = (await chunkRows(doc.id)).map((c) => c.content).join("\n");
    expect(contents).toContain("Restart the marmalade service with the blue lever");
    expect(contents).not.toContain("secretToken");
    expect(contents).not.toContain("<p>");
  });
});

describe("durable: stopped, crashed, resumed", () => {
  it("a worker stopped between batches releases the document; the next worker resumes after the last committed batch", async () => {
    const doc = await submitMemoryDocument(owner, { text: handbook(40, "Stopped between batches."), title: "Stop test" });
    const first: DocumentWorker = worker({
      onBatch: (_d, o) => {
        if (o.chunksDone === DOCUMENT_BATCH_SIZE) void first.stop();
      },
    });
    await expect
      .poll(async () => db().memoryDocument.findUniqueOrThrow({ where: { id: doc.id }, select: { leaseOwner: true, chunksDone: true } }), { timeout: 30_000 })
      .toEqual({ leaseOwner: null, chunksDone: DOCUMENT_BATCH_SIZE });
    await first.stop();
    const stopped = await getMemoryDocument(owner, doc.id);
    expect(stopped).toMatchObject({ status: "processing", progress: { chunksDone: DOCUMENT_BATCH_SIZE } });
    const firstIds = (await chunkRows(doc.id)).map((r) => r.id);
    expect(firstIds).toHaveLength(DOCUMENT_BATCH_SIZE);

    worker();
    const ready = await readyDocument(doc.id);
    const rows = await chunkRows(doc.id);
    expect(rows).toHaveLength(ready.progress.chunksTotal);
    expect(rows.slice(0, DOCUMENT_BATCH_SIZE).map((r) => r.id)).toEqual(firstIds); // not embedded again
  });

  it("a worker that died (lease expired) after its chunks were stored but before its progress was: resumed, no chunk twice; the dead worker can write nothing", async () => {
    // a workspace of its own: the claim takes the oldest claimable document
    const crashWs = await makeWorkspace("documents-crash");
    const crashOwner = await ctxOf(crashWs);
    const doc = await submitMemoryDocument(crashOwner, { text: handbook(40, "Crashed mid-ingest."), title: "Crash test" });
    const dead = "dead-host/999999/abc";
    const claimed = await claimDocument({ owner: dead, leaseMs: 60_000, workspaceIds: [crashWs.id] });
    expect(claimed).toMatchObject({ id: doc.id, attempts: 1 });
    const ctx = await documentContext(claimed!);
    const fence = sql`"leaseOwner" = ${dead}`;
    expect(await ingestNextBatch(ctx, doc.id, { fence })).toMatchObject({ done: false, chunksDone: DOCUMENT_BATCH_SIZE });
    const stored = (await chunkRows(doc.id)).map((r) => r.id);
    // the crash: its progress is lost (as if the process died between storing chunks and recording them), and its
    // lease expires
    await execute(crashOwner, sql`UPDATE "MemoryDocument" SET "chunksDone" = 0, "leaseExpiresAt" = '2000-01-01' WHERE id = ${doc.id}`);

    const resumer = worker({ workspaceIds: [crashWs.id] });
    const ready = await readyDocument(doc.id, crashOwner);
    await resumer.stop();
    const rows = await chunkRows(doc.id);
    expect(rows.map((r) => r.chunkIndex)).toEqual(Array.from({ length: ready.progress.chunksTotal }, (_, i) => i));
    expect(rows.slice(0, DOCUMENT_BATCH_SIZE).map((r) => r.id)).toEqual(stored);
    expect(await db().memory.count({ where: { documentId: doc.id } })).toBe(ready.progress.chunksTotal);

    // the dead worker wakes up: its lease is gone, it writes nothing
    await execute(crashOwner, sql`UPDATE "MemoryDocument" SET "status" = 'processing', "chunksDone" = 0 WHERE id = ${doc.id}`);
    expect(await ingestNextBatch(ctx, doc.id, { fence })).toMatchObject({ done: true, status: "lost" });
    expect(await db().memory.count({ where: { documentId: doc.id } })).toBe(ready.progress.chunksTotal);
  });

  it("a document whose executions keep failing is failed with a message for people, not retried forever", async () => {
    const doc = await createMemoryDocument(owner, { text: "A short note about poison documents." });
    await execute({ workspaceId: ws.id }, sql`UPDATE "MemoryDocument" SET "attempts" = ${DOCUMENT_MAX_ATTEMPTS} WHERE id = ${doc.id}`);
    worker();
    await expect.poll(async () => (await getMemoryDocument(owner, doc.id)).status, { timeout: 30_000 }).toBe("failed");
    const failed = await getMemoryDocument(owner, doc.id);
    expect(failed.error).toBe(`Ingestion stopped after ${DOCUMENT_MAX_ATTEMPTS} failed attempts in a row; upload the document again`);
    expect(await db().memory.count({ where: { documentId: doc.id } })).toBe(0);
  });
});

describe("bad input", () => {
  it("refuses what is not a supported document (422) and what is too large (413), before storing anything", async () => {
    const before = await db().memoryDocument.count({ where: { workspaceId: ws.id } });
    const png = base64(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const cases: [string, Parameters<typeof createMemoryDocument>[1], string, RegExp][] = [
      ["declared PDF, not one", { contentBase64: base64(new TextEncoder().encode("just text")), mimeType: "application/pdf" }, "VALIDATION_FAILED", /not one/],
      ["a PDF declared as text", { contentBase64: base64(minimalPdf([["x"]])), mimeType: "text/plain" }, "VALIDATION_FAILED", /is a PDF, not text\/plain/],
      ["an image", { contentBase64: png }, "VALIDATION_FAILED", /PNG image/],
      ["binary", { contentBase64: base64(new Uint8Array([0x41, 0, 0x42, 0xff, 0xfe])) }, "VALIDATION_FAILED", /neither UTF-8 text nor a PDF/],
      ["a damaged PDF", { contentBase64: base64(new TextEncoder().encode("%PDF-1.4\nthis is not really a pdf")) }, "VALIDATION_FAILED", /could not be read/],
      ["a PDF without text", { contentBase64: base64(minimalPdf([[]])) }, "VALIDATION_FAILED", /no text layer/],
      ["an unsupported declared type", { text: "hello", mimeType: "application/msword" }, "VALIDATION_FAILED", /not supported/],
      ["empty", { text: "   \n  " }, "VALIDATION_FAILED", /no text/],
      ["not base64", { contentBase64: "***" }, "VALIDATION_FAILED", /not valid base64/],
      ["too large", { text: "a".repeat(DOCUMENT_MAX_BYTES + 1) }, "PAYLOAD_TOO_LARGE", /limit is 5242880 bytes/],
      ["too large as a file", { contentBase64: "QUFB".repeat(Math.ceil((DOCUMENT_MAX_BYTES + 3) / 3)) }, "PAYLOAD_TOO_LARGE", /limit is 5242880 bytes/],
    ];
    for (const [name, input, code, message] of cases) {
      const got = await outcome(createMemoryDocument(owner, input));
      expect(got, name).toMatchObject({ ok: false, code });
      expect(got.ok ? "" : got.message, name).toMatch(message);
    }
    expect((await outcome(createMemoryDocument(owner, { text: "a", contentBase64: "YQ==" }))).ok).toBe(false);
    expect((await outcome(createMemoryDocument(owner, {} as never))).ok).toBe(false);
    expect(await db().memoryDocument.count({ where: { workspaceId: ws.id } })).toBe(before);
  });

  it("REST answers 413 for a document over the limit and 422 for an unsupported one", async () => {
    const key = (await makeApiKey(ws, "member")).raw;
    const large = await rest("POST", "/api/v1/memory-documents", { key, body: { text: "b".repeat(DOCUMENT_MAX_BYTES + 10) } });
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    const huge = await rest("POST", "/api/v1/memory-documents", { key, body: { text: "b".repeat(DOCUMENT_MAX_BYTES * 3) } });
    expect(huge.status).toBe(413); // over the body limit: refused while reading
    const image = await rest("POST", "/api/v1/memory-documents", { key, body: { contentBase64: base64(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2])) } });
    expect(image.status).toBe(422);
    expect(image.body.error.message).toMatch(/JPEG image/);
  });
});

describe("delete, roles, REST, tenants", () => {
  it("delete removes the document's memories: gone from recall at once; audited", async () => {
    const doc = await submitMemoryDocument(owner, { text: "The periwinkle escalation line is extension 4471.", title: "Phone list" });
    worker();
    await readyDocument(doc.id);
    const found = await recall(owner, { query: "periwinkle escalation" });
    expect(found.results[0]!.memory.sourceRef).toMatchObject({ documentId: doc.id });

    expect(await deleteMemoryDocument(owner, doc.id)).toEqual({ deleted: true });
    expect(await db().memory.count({ where: { documentId: doc.id } })).toBe(0);
    const after = await recall(owner, { query: "periwinkle escalation" });
    expect(after.results.map((x) => x.memory.sourceRef)).not.toContainEqual(expect.objectContaining({ documentId: doc.id }));
    expect(await outcome(getMemoryDocument(owner, doc.id))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await auditRows(ws.id, "memory_document.delete"))[0]).toMatchObject({ targetId: doc.id, metadata: { title: "Phone list", status: "ready" } });
  });

  it("roles: a viewer lists and reads but cannot create or delete; a member creates and deletes", async () => {
    const doc = await createMemoryDocument(owner, { text: "viewer may read this document" });
    const viewer = callerFor(ws.users.viewer, ws.slug);
    expect((await viewer.memoryDocuments.get({ documentId: doc.id })).id).toBe(doc.id);
    expect((await viewer.memoryDocuments.list({})).items.map((d) => d.id)).toContain(doc.id);
    for (const attempt of [() => viewer.memoryDocuments.create({ text: "nope" }), () => viewer.memoryDocuments.delete({ documentId: doc.id })]) {
      expect(await outcome(attempt())).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    const member = callerFor(ws.users.member, ws.slug);
    const created = await member.memoryDocuments.create({ text: "a member's note", scope: { type: "subject", id: "customer:7" } });
    expect(created).toMatchObject({ status: "queued", scope: { type: "subject", id: "customer:7" }, createdById: ws.users.member.id });
    expect(await member.memoryDocuments.delete({ documentId: created.id })).toEqual({ deleted: true });
    expect(await member.memoryDocuments.delete({ documentId: doc.id })).toEqual({ deleted: true });
  });

  it("another workspace's member and API key get 404 for get and delete, and do not list it", async () => {
    const doc = await createMemoryDocument(owner, { text: "only for this workspace's eyes" });
    const stranger = callerFor(other.users.owner, other.slug);
    for (const attempt of [() => stranger.memoryDocuments.get({ documentId: doc.id }), () => stranger.memoryDocuments.delete({ documentId: doc.id })]) {
      expect(await outcome(attempt())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    expect((await stranger.memoryDocuments.list({})).items.map((d) => d.id)).not.toContain(doc.id);
    const key = (await makeApiKey(other, "owner")).raw;
    for (const method of ["GET", "DELETE"] as const) {
      expect((await rest(method, "/api/v1/memory-documents/{documentId}", { key, params: { documentId: doc.id } })).status, method).toBe(404);
    }
    const listed = await rest("GET", "/api/v1/memory-documents", { key });
    expect(listed.body.data.map((d: { id: string }) => d.id)).not.toContain(doc.id);
    expect((await getMemoryDocument(owner, doc.id)).id).toBe(doc.id);
    // such a 404 is logged as a probe across the tenant line (a security event), not as a typo
    expect(await foreignResource(other.id, { documentId: doc.id })).toEqual({ id: doc.id, ownerWorkspaceId: ws.id });
  });

  it("REST: create (202, by the key), get with progress, list by status, delete", async () => {
    const key = await makeApiKey(ws, "member");
    const created = await rest("POST", "/api/v1/memory-documents", {
      key: key.raw,
      body: { text: "# Notes\n\nThe tangerine router reboots at dawn.", scope: { type: "agent", id: "agt_x" } },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: "queued",
      mimeType: "text/markdown",
      title: "Notes",
      createdByType: "api_key",
      createdById: key.id,
      progress: { chunksDone: 0, chunksTotal: 1 },
    });
    const id = created.body.id as string;
    worker();
    await readyDocument(id);
    const got = await rest("GET", "/api/v1/memory-documents/{documentId}", { key: key.raw, params: { documentId: id } });
    expect(got.body).toMatchObject({ id, status: "ready", progress: { chunksDone: 1, chunksTotal: 1 } });
    const listed = await rest("GET", "/api/v1/memory-documents", { key: key.raw, query: { status: "ready", scopeType: "agent", scopeId: "agt_x" } });
    expect(listed.body.data.map((d: { id: string }) => d.id)).toEqual([id]);
    // the chunk's memory is the key's, like the document
    expect((await chunkRows(id))[0]).toMatchObject({ source: "document" });
    expect((await db().memory.findFirstOrThrow({ where: { documentId: id } })).createdById).toBe(key.id);
    expect((await rest("DELETE", "/api/v1/memory-documents/{documentId}", { key: key.raw, params: { documentId: id } })).body).toEqual({ deleted: true });
    expect((await rest("GET", "/api/v1/memory-documents/{documentId}", { key: key.raw, params: { documentId: id } })).status).toBe(404);
    expect((await listMemoryDocuments(owner, { status: "ready", scopeType: "agent" })).items.map((d) => d.id)).not.toContain(id);
  });
});
