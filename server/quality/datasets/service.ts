/**
 * Datasets and their items (lib/schemas/datasets.ts). A dataset is archived, never deleted (its slug stays taken, the
 * evaluations over it stay readable); items are added, edited and deleted one by one, or imported many at once.
 *
 * - Import is all or nothing: every line is parsed and checked first (./import-parse.ts), and any problem refuses the
 *   whole import with 422 VALIDATION_FAILED listing each line and field; the items are then written in one
 *   transaction with the count re-checked under a lock of the dataset row (MAX_DATASET_ITEMS).
 * - Items keep their order: imported items get createdAt 1 ms apart, in file order, and items are listed oldest first.
 * - Export: JSON Lines of {input, reference, tags}, the import format.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { prismaCode } from "@/server/db/errors";
import {
  createDatasetInputSchema,
  createDatasetItemInputSchema,
  importDatasetInputSchema,
  listDatasetsInputSchema,
  MAX_DATASET_ITEMS,
  MAX_IMPORT_BYTES,
  updateDatasetInputSchema,
  updateDatasetItemInputSchema,
  type DatasetItemOutput,
  type DatasetOutput,
} from "@/lib/schemas/datasets";
import { MAX_REPORTED, parseCsv, parseJsonl, type ParsedItem } from "./import-parse";
import { inWorkspace } from "@/server/db/in-workspace";

type Tx = Prisma.TransactionClient;
type DatasetRow = Prisma.DatasetGetPayload<object>;
type ItemRow = Prisma.DatasetItemGetPayload<object>;

function toDataset(row: DatasetRow, itemCount: number): DatasetOutput {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    itemCount,
    archivedAt: row.archivedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toItem(row: ItemRow): DatasetItemOutput {
  return {
    id: row.id,
    datasetId: row.datasetId,
    input: row.input,
    reference: row.reference,
    tags: [...row.tags],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A dataset of the workspace by id or slug; another workspace's is NOT_FOUND. */
export async function findDataset(ctx: TenantContext, ref: string, tx: Tx = db(ctx)): Promise<DatasetRow> {
  const row = await tx.dataset.findFirst({ where: { workspaceId: ctx.workspaceId, OR: [{ id: ref }, { slug: ref }] } });
  if (!row) throw new AppError("NOT_FOUND", `Dataset "${ref}" not found`);
  return row;
}

function assertLive(row: DatasetRow): void {
  if (row.archivedAt) throw new AppError("CONFLICT", `Dataset "${row.slug}" is archived and cannot be changed`);
}

const countItems = (ctx: TenantContext, datasetId: string, tx: Tx = db(ctx)) => tx.datasetItem.count({ where: { datasetId, workspaceId: ctx.workspaceId } });

export async function listDatasets(ctx: TenantContext, input: z.input<typeof listDatasetsInputSchema> = {}): Promise<Page<DatasetOutput>> {
  const { includeArchived, limit, cursor } = listDatasetsInputSchema.parse(input);
  const rows = await db(ctx).dataset.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...(includeArchived ? {} : { archivedAt: null }) }, keysetWhere(cursor)] },
    include: { _count: { select: { items: true } } },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map((r) => toDataset(r, r._count.items)), nextCursor: page.nextCursor };
}

export async function getDataset(ctx: TenantContext, ref: string): Promise<DatasetOutput> {
  const row = await findDataset(ctx, ref);
  return toDataset(row, await countItems(ctx, row.id));
}

export async function createDataset(ctx: TenantContext, input: z.input<typeof createDatasetInputSchema>): Promise<DatasetOutput> {
  const data = createDatasetInputSchema.parse(input);
  const id = newId("dst");
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const created = await tx.dataset.create({ data: { id, workspaceId: ctx.workspaceId, ...data } });
      await recordAudit(ctx, { action: "dataset.create", targetType: "dataset", targetId: id, metadata: { slug: data.slug, name: data.name } }, tx);
      return created;
    });
    return toDataset(row, 0);
  } catch (error) {
    if (prismaCode(error) === "P2002")
      throw new AppError("CONFLICT", `A dataset with the slug "${data.slug}" already exists in this workspace (archived ones keep theirs)`);
    throw error;
  }
}

export async function updateDataset(ctx: TenantContext, ref: string, patch: z.input<typeof updateDatasetInputSchema>): Promise<DatasetOutput> {
  const data = updateDatasetInputSchema.parse(patch);
  const row = await findDataset(ctx, ref);
  assertLive(row);
  const updated = await db(ctx).$transaction(async (tx) => {
    const saved = await tx.dataset.update({ where: inWorkspace(ctx, row.id), data });
    await recordAudit(ctx, { action: "dataset.update", targetType: "dataset", targetId: row.id, metadata: { slug: row.slug, changed: Object.keys(data) } }, tx);
    return saved;
  });
  return toDataset(updated, await countItems(ctx, row.id));
}

/** Archives a dataset: no more edits or new evaluations; its items and evaluations stay readable, its slug taken. */
export async function archiveDataset(ctx: TenantContext, ref: string): Promise<DatasetOutput> {
  const row = await findDataset(ctx, ref);
  if (row.archivedAt) return toDataset(row, await countItems(ctx, row.id));
  const updated = await db(ctx).$transaction(async (tx) => {
    const saved = await tx.dataset.update({ where: inWorkspace(ctx, row.id), data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "dataset.archive", targetType: "dataset", targetId: row.id, metadata: { slug: row.slug } }, tx);
    return saved;
  });
  return toDataset(updated, await countItems(ctx, row.id));
}

/** One page of a dataset's items, oldest first (the import's order). */
export async function listDatasetItems(ctx: TenantContext, ref: string, pagination: z.input<typeof paginationSchema> = {}): Promise<Page<DatasetItemOutput>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const dataset = await findDataset(ctx, ref);
  const rows = await db(ctx).datasetItem.findMany({
    where: { AND: [{ datasetId: dataset.id, workspaceId: ctx.workspaceId }, keysetWhere(cursor, "asc")] },
    orderBy: keysetOrderBy("asc"),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toItem), nextCursor: page.nextCursor };
}

/** Every item of a dataset in order (an evaluation's items, the export). */
export async function allDatasetItems(ctx: TenantContext, datasetId: string): Promise<ItemRow[]> {
  return db(ctx).datasetItem.findMany({ where: { datasetId, workspaceId: ctx.workspaceId }, orderBy: keysetOrderBy("asc") });
}

/** Locks the dataset row (concurrent adds and imports count one after another) and refuses going over the cap. */
async function reserveRoom(ctx: TenantContext, tx: Tx, datasetId: string, adding: number): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Dataset" WHERE id = ${datasetId} FOR UPDATE`;
  const count = await countItems(ctx, datasetId, tx);
  if (count + adding > MAX_DATASET_ITEMS)
    throw new AppError("VALIDATION_FAILED", `A dataset holds at most ${MAX_DATASET_ITEMS} items: it has ${count}, this would add ${adding}`, {
      issues: [{ path: "items", message: `At most ${MAX_DATASET_ITEMS} items per dataset` }],
    });
}

export async function addDatasetItem(ctx: TenantContext, ref: string, input: z.input<typeof createDatasetItemInputSchema>): Promise<DatasetItemOutput> {
  const data = createDatasetItemInputSchema.parse(input);
  const dataset = await findDataset(ctx, ref);
  assertLive(dataset);
  const id = newId("dsi");
  const row = await db(ctx).$transaction(async (tx) => {
    await reserveRoom(ctx, tx, dataset.id, 1);
    const created = await tx.datasetItem.create({ data: { id, workspaceId: ctx.workspaceId, datasetId: dataset.id, ...data } });
    await recordAudit(ctx, { action: "dataset_item.create", targetType: "dataset", targetId: dataset.id, metadata: { slug: dataset.slug, itemId: id } }, tx);
    return created;
  });
  return toItem(row);
}

async function findItem(ctx: TenantContext, dataset: DatasetRow, itemId: string): Promise<ItemRow> {
  const row = await db(ctx).datasetItem.findFirst({ where: { id: itemId, datasetId: dataset.id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Dataset item "${itemId}" not found`);
  return row;
}

export async function getDatasetItem(ctx: TenantContext, ref: string, itemId: string): Promise<DatasetItemOutput> {
  return toItem(await findItem(ctx, await findDataset(ctx, ref), itemId));
}

export async function updateDatasetItem(
  ctx: TenantContext,
  ref: string,
  itemId: string,
  patch: z.input<typeof updateDatasetItemInputSchema>,
): Promise<DatasetItemOutput> {
  const data = updateDatasetItemInputSchema.parse(patch);
  const dataset = await findDataset(ctx, ref);
  assertLive(dataset);
  const item = await findItem(ctx, dataset, itemId);
  const row = await db(ctx).$transaction(async (tx) => {
    const saved = await tx.datasetItem.update({ where: inWorkspace(ctx, item.id), data });
    await recordAudit(
      ctx,
      { action: "dataset_item.update", targetType: "dataset", targetId: dataset.id, metadata: { slug: dataset.slug, itemId, changed: Object.keys(data) } },
      tx,
    );
    return saved;
  });
  return toItem(row);
}

export async function deleteDatasetItem(ctx: TenantContext, ref: string, itemId: string): Promise<void> {
  const dataset = await findDataset(ctx, ref);
  assertLive(dataset);
  const item = await findItem(ctx, dataset, itemId);
  await db(ctx).$transaction(async (tx) => {
    await tx.datasetItem.deleteMany({ where: { id: item.id, workspaceId: ctx.workspaceId } });
    await recordAudit(ctx, { action: "dataset_item.delete", targetType: "dataset", targetId: dataset.id, metadata: { slug: dataset.slug, itemId } }, tx);
  });
}

/** Imports JSON Lines or CSV (see the module comment): all items, or none and a 422 naming each bad line. */
export async function importDatasetItems(
  ctx: TenantContext,
  ref: string,
  input: z.input<typeof importDatasetInputSchema>,
): Promise<{ imported: number; itemCount: number }> {
  const { format, content } = importDatasetInputSchema.parse(input);
  const dataset = await findDataset(ctx, ref);
  assertLive(dataset);
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > MAX_IMPORT_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `An import has at most ${MAX_IMPORT_BYTES} bytes (5 MB); this one has ${bytes}`);
  const { items, errors } = format === "csv" ? parseCsv(content) : parseJsonl(content);
  if (errors.length > 0) {
    const shown = errors.slice(0, MAX_REPORTED);
    const first = shown[0]!;
    throw new AppError(
      "VALIDATION_FAILED",
      `Nothing was imported: line ${first.line}, ${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problems)` : ""}`,
      { issues: shown.map((e) => ({ path: `line ${e.line}.${e.field}`, message: e.message })), lines: shown, total: errors.length },
    );
  }
  if (items.length === 0)
    throw new AppError("VALIDATION_FAILED", "Nothing to import: the file has no items", { issues: [{ path: "content", message: "No items" }] });
  const itemCount = await db(ctx).$transaction(async (tx) => {
    await reserveRoom(ctx, tx, dataset.id, items.length);
    const base = Date.now();
    await tx.datasetItem.createMany({ data: items.map((item: ParsedItem, i) => itemData(ctx, dataset.id, item, new Date(base + i))) });
    await recordAudit(
      ctx,
      { action: "dataset.import", targetType: "dataset", targetId: dataset.id, metadata: { slug: dataset.slug, format, imported: items.length } },
      tx,
    );
    return countItems(ctx, dataset.id, tx);
  });
  return { imported: items.length, itemCount };
}

function itemData(ctx: TenantContext, datasetId: string, item: ParsedItem, createdAt: Date): Prisma.DatasetItemCreateManyInput {
  return {
    id: newId("dsi"),
    workspaceId: ctx.workspaceId,
    datasetId,
    input: item.input,
    reference: item.reference,
    tags: item.tags,
    createdAt,
    updatedAt: createdAt,
  };
}

/** The dataset as JSON Lines, one {input, reference, tags} per line, in order (what import reads back). */
export async function exportDatasetJsonl(ctx: TenantContext, ref: string): Promise<{ slug: string; body: string }> {
  const dataset = await findDataset(ctx, ref);
  const rows = await allDatasetItems(ctx, dataset.id);
  const body = rows.map((r) => JSON.stringify({ input: r.input, reference: r.reference, tags: r.tags })).join("\n");
  return { slug: dataset.slug, body: body ? `${body}\n` : "" };
}
