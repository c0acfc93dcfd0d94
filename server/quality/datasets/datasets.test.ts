/**
 * Datasets: items one by one, JSONL and CSV import (all or nothing, a bad line named with its line number and field),
 * the per-dataset cap, export as JSONL (read back by import), archive, audit.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { appErrorOf, auditRows, makeApiKey, makeWorkspace, rest, uniq } from "@/test/helpers";
import {
  addDatasetItem,
  archiveDataset,
  createDataset,
  deleteDatasetItem,
  exportDatasetJsonl,
  getDataset,
  importDatasetItems,
  listDatasetItems,
  updateDatasetItem,
} from "./service";

let ctx: TenantContext;
let workspaceId: string;
let key: string;
beforeAll(async () => {
  const ws = await makeWorkspace("datasets");
  workspaceId = ws.id;
  key = (await makeApiKey(ws, "member")).raw;
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
});

const newDataset = () => createDataset(ctx, { slug: `ds-${uniq()}`, name: "Support questions", description: "FAQ" });

describe("datasets", () => {
  it("imports JSON Lines in order, with references and tags", async () => {
    const ds = await newDataset();
    const content = [
      JSON.stringify({ input: "What is Cadre?", reference: "A platform", tags: ["basics"] }),
      "",
      JSON.stringify({ input: "How do I start a run?" }),
    ].join("\n");
    expect(await importDatasetItems(ctx, ds.id, { format: "jsonl", content })).toEqual({ imported: 2, itemCount: 2 });
    const items = (await listDatasetItems(ctx, ds.slug)).items;
    expect(items.map((i) => [i.input, i.reference, i.tags])).toEqual([
      ["What is Cadre?", "A platform", ["basics"]],
      ["How do I start a run?", null, []],
    ]);
    expect((await auditRows(workspaceId, "dataset.import")).some((r) => r.targetId === ds.id)).toBe(true);
  });

  it("imports CSV: a header row, quoted fields with commas and newlines, tags split on | or ;", async () => {
    const ds = await newDataset();
    const content = 'input,reference,tags\n"Hello, world","Hi\nthere",a|b\nSecond,,c;d\n';
    expect(await importDatasetItems(ctx, ds.id, { format: "csv", content })).toMatchObject({ imported: 2 });
    const items = (await listDatasetItems(ctx, ds.id)).items;
    expect(items.map((i) => [i.input, i.reference, i.tags])).toEqual([
      ["Hello, world", "Hi\nthere", ["a", "b"]],
      ["Second", null, ["c", "d"]],
    ]);
  });

  it("a bad line refuses the whole import, naming each line and field", async () => {
    const ds = await newDataset();
    const content = [JSON.stringify({ input: "ok" }), "{not json", JSON.stringify({ input: "" }), JSON.stringify({ input: "x", tags: "nope" })].join("\n");
    const error = await appErrorOf(importDatasetItems(ctx, ds.id, { format: "jsonl", content }));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toMatch(/^Nothing was imported: line 2, line: Not valid JSON/);
    const lines = (error.details as { lines: { line: number; field: string }[] }).lines.map((l) => `${l.line}:${l.field}`);
    expect(lines).toEqual(["2:line", "3:input", "4:tags"]);
    expect((await getDataset(ctx, ds.id)).itemCount).toBe(0);

    // over REST: a 422 whose issues name the line and field
    const res = await rest("POST", "/api/v1/datasets/{datasetId}/import", { key, params: { datasetId: ds.slug }, body: { format: "jsonl", content } });
    expect(res.status).toBe(422);
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual(["line 2.line", "line 3.input", "line 4.tags"]);

    const csv = await appErrorOf(importDatasetItems(ctx, ds.id, { format: "csv", content: "input,tags\nfine,a\n,b\n" }));
    expect((csv.details as { lines: { line: number; field: string }[] }).lines).toMatchObject([{ line: 3, field: "input" }]);
    const noHeader = await appErrorOf(importDatasetItems(ctx, ds.id, { format: "csv", content: "question\nfine\n" }));
    expect(noHeader.message).toContain("no input column");
    expect((await getDataset(ctx, ds.id)).itemCount).toBe(0);
  });

  it("refuses an import that would take the dataset over 5000 items, or is over 5 MB, writing nothing", async () => {
    const ds = await newDataset();
    const big = await appErrorOf(importDatasetItems(ctx, ds.id, { format: "jsonl", content: `{"input":"${"a".repeat(5 * 1024 * 1024)}"}` }));
    expect(big.code).toBe("PAYLOAD_TOO_LARGE");
    const content = Array.from({ length: 5_001 }, (_, i) => JSON.stringify({ input: `q${i}` })).join("\n");
    const error = await appErrorOf(importDatasetItems(ctx, ds.id, { format: "jsonl", content }));
    expect(error.message).toContain("at most 5000 items");
    expect((await getDataset(ctx, ds.id)).itemCount).toBe(0);
  });

  it("items one by one, export as JSONL that imports back, archive", async () => {
    const ds = await newDataset();
    const a = await addDatasetItem(ctx, ds.id, { input: "One", tags: ["x"] });
    const b = await addDatasetItem(ctx, ds.id, { input: "Two", reference: "2" });
    await updateDatasetItem(ctx, ds.id, a.id, { reference: "1" });
    await deleteDatasetItem(ctx, ds.id, b.id);
    const exported = await exportDatasetJsonl(ctx, ds.slug);
    expect(exported.body).toBe(`${JSON.stringify({ input: "One", reference: "1", tags: ["x"] })}\n`);
    const copy = await newDataset();
    await importDatasetItems(ctx, copy.id, { format: "jsonl", content: exported.body });
    expect((await listDatasetItems(ctx, copy.id)).items.map((i) => [i.input, i.reference, i.tags])).toEqual([["One", "1", ["x"]]]);

    const archived = await archiveDataset(ctx, ds.id);
    expect(archived.archivedAt).not.toBeNull();
    expect((await appErrorOf(addDatasetItem(ctx, ds.id, { input: "Three" }))).code).toBe("CONFLICT");
    expect((await appErrorOf(createDataset(ctx, { slug: ds.slug, name: "again" }))).code).toBe("CONFLICT");
    expect((await auditRows(workspaceId, "dataset_item.create")).length).toBeGreaterThanOrEqual(2);
  });
});
