/**
 * Document ingestion as the Inngest function (run by @inngest/test: real step memoisation, no Inngest server): the
 * same batch body as the in-process worker, one step per batch; a permanent failure fails the document; submitting
 * with Inngest configured sends the event instead of waking a worker.
 */
import { InngestTestEngine } from "@inngest/test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { AppError } from "@/lib/errors";
import { DOCUMENT_BATCH_SIZE } from "@/lib/schemas/memory-documents";
import type { TenantContext } from "@/server/context";
import { setEnv } from "@/server/env";
import { recall } from "@/server/memory/recall";
import { createMemoryDocument, getMemoryDocument } from "@/server/memory/documents/service";
import * as memoryService from "@/server/memory/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, uniq } from "@/test/helpers";
import { inngest } from "./inngest";
import { DOCUMENT_REQUESTED_EVENT, memoryDocumentFunction } from "./memory-documents-inngest";
import { submitMemoryDocument } from "./memory-documents";

let ctx: TenantContext;
let workspaceId: string;
beforeAll(async () => {
  const ws = await makeWorkspace("documents-inngest");
  workspaceId = ws.id;
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
});
afterEach(() => {
  vi.restoreAllMocks();
  setEnv("INNGEST_EVENT_KEY", "");
  setEnv("INNGEST_SIGNING_KEY", "");
});

const engineFor = (documentId: string) =>
  new InngestTestEngine({ function: memoryDocumentFunction, events: [{ name: DOCUMENT_REQUESTED_EVENT, data: { documentId, workspaceId } }] });

const paragraphs = (n: number) =>
  Array.from({ length: n }, (_, i) => `Paragraph ${i} about the saffron lighthouse number ${i * 7919}. `.repeat(12)).join("\n\n");

describe("the Inngest function cadre/memory-document.requested", () => {
  it("ingests a document in memoised batch steps: ready, every chunk once, recallable", async () => {
    const doc = await createMemoryDocument(ctx, { text: `${paragraphs(45)}\n\nThe cobalt ferret sleeps in drawer nine.` });
    expect(doc.progress.chunksTotal).toBeGreaterThan(DOCUMENT_BATCH_SIZE);
    const { result, error, state } = await engineFor(doc.id).execute();
    expect(error).toBeUndefined();
    expect(result).toBe("ready");
    expect(Object.keys(state)).toHaveLength(Math.ceil(doc.progress.chunksTotal / DOCUMENT_BATCH_SIZE));
    const ready = await getMemoryDocument(ctx, doc.id);
    expect(ready).toMatchObject({ status: "ready", progress: { chunksDone: doc.progress.chunksTotal, chunksTotal: doc.progress.chunksTotal } });
    expect(await db().memory.count({ where: { documentId: doc.id } })).toBe(doc.progress.chunksTotal);
    const r = await recall(ctx, { query: "cobalt ferret drawer" });
    expect(r.results[0]!.memory).toMatchObject({ source: "document", sourceRef: { documentId: doc.id } });
    // run again (a replayed event): nothing more is stored
    expect((await engineFor(doc.id).execute()).result).toBe("ready");
    expect(await db().memory.count({ where: { documentId: doc.id } })).toBe(doc.progress.chunksTotal);
  });

  it("a failure that retrying cannot fix (the budget) fails the document with a message for people", async () => {
    const doc = await createMemoryDocument(ctx, { text: "A document that will not fit the budget." });
    vi.spyOn(memoryService, "embedTexts").mockRejectedValue(new AppError("BUDGET_EXCEEDED", "The monthly limit of $1 is reached"));
    const { error } = await engineFor(doc.id).execute();
    expect(error).toBeDefined();
    const failed = await getMemoryDocument(ctx, doc.id);
    expect(failed).toMatchObject({ status: "failed", progress: { chunksDone: 0 } });
    expect(failed.error).toBe("The workspace's budget does not allow embedding the rest of this document: The monthly limit of $1 is reached");
  });

  it("with Inngest configured, submitting sends the event (no in-process worker)", async () => {
    setEnv("INNGEST_EVENT_KEY", "test-event-key");
    setEnv("INNGEST_SIGNING_KEY", "signkey-test-00000000000000000000000000000000");
    const sent = vi.spyOn(inngest, "send").mockResolvedValue({ ids: ["x"] } as never);
    const doc = await submitMemoryDocument(ctx, { text: "Sent to Inngest." });
    expect(sent).toHaveBeenCalledWith({ name: DOCUMENT_REQUESTED_EVENT, data: { documentId: doc.id, workspaceId } });
    expect((await getMemoryDocument(ctx, doc.id)).status).toBe("queued");
  });
});
