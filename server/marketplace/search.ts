/**
 * Searching the marketplace (issue 16): public, active listings (row-level security narrows what a workspace reads;
 * the statement still says it), full-text on the generated "searchText" (websearch syntax: quotes, or, -word) ranked
 * by ts_rank, by category and tags, sorted by installs, rating or recency, one keyset page at a time. The cursor holds
 * the sort keys of the page's last row, so pages neither skip nor repeat while counts change elsewhere.
 */
import { z } from "zod";
import { searchListingsInputSchema, type ListingSummary } from "@/lib/schemas/marketplace";
import type { Page } from "@/lib/schemas/common";
import type { TenantContext } from "@/server/context";
import { invalidCursorError } from "@/server/db/cursor";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { toListingSummary, type ListingSummaryRow } from "./listing-rows";
import { needMarketplace } from "./listings";

type SearchInput = z.output<typeof searchListingsInputSchema>;

/** The sort keys of a row, all descending, the id last: [rank?, key1, key2, id] */
const cursorSchema = z.tuple([z.array(z.number().finite()).min(1).max(3), z.string().regex(/^lst_[0-9a-z]{1,40}$/)]);

function encodeSearchCursor(keys: number[], id: string): string {
  return Buffer.from(JSON.stringify([keys, id])).toString("base64url");
}

function decodeSearchCursor(cursor: string, length: number): { keys: number[]; id: string } {
  try {
    const [keys, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (keys.length !== length || encodeSearchCursor(keys, id) !== cursor) throw invalidCursorError();
    return { keys, id };
  } catch {
    throw invalidCursorError();
  }
}

/** A sort key: its expression (ordered descending), its value as a number for the cursor, and the cursor's number back as SQL. */
interface SortKey {
  expr: Sql;
  value: Sql;
  literal: (n: number) => Sql;
}

const plain = (expr: Sql): SortKey => ({ expr, value: expr, literal: (n) => sql`${n}` });
// the average as an integer (millionths) so that it compares exactly, unrated listings last; indexed as it is written
// here (20261215_200_listing_publisher)
const RATING = sql`COALESCE(("ratingSum"::bigint * 1000000) / NULLIF("ratingCount", 0), -1)`;
const SORT_KEYS: Record<SearchInput["sort"], SortKey[]> = {
  installs: [plain(sql`"installCount"`)],
  rating: [plain(RATING), plain(sql`"ratingCount"`)],
  recent: [
    {
      // qualified: the select list's "updatedAt" is the ISO text
      expr: sql`"Listing"."updatedAt"`,
      value: sql`(extract(epoch from "Listing"."updatedAt") * 1000)::float8`,
      literal: (n) => {
        const at = new Date(n);
        if (Number.isNaN(at.getTime())) throw invalidCursorError();
        return sql`${at}`;
      },
    },
  ],
};

/** The sort's keys: the text rank first when there is a query (a real, compared as one), then the sort's own. */
function sortKeys(input: SearchInput, query: Sql | null): SortKey[] {
  const rank = sql`ts_rank("searchText", ${query ?? sql`NULL`})`;
  return [...(query ? [{ expr: rank, value: rank, literal: (n: number) => sql`${n}::real` }] : []), ...SORT_KEYS[input.sort]];
}

export async function searchListings(ctx: TenantContext, input: z.input<typeof searchListingsInputSchema> = {}): Promise<Page<ListingSummary>> {
  needMarketplace(ctx, "marketplace:read");
  const data = searchListingsInputSchema.parse(input);
  const q = data.q?.trim() ? data.q.trim() : null;
  const query = q ? sql`websearch_to_tsquery('simple', ${q})` : null;
  const keys = sortKeys(data, query);
  const conditions: Sql[] = [sql`"status" = 'active'`, sql`"visibility" = 'public'`];
  if (query) conditions.push(sql`"searchText" @@ ${query}`);
  if (data.category) conditions.push(sql`"category" = ${data.category}`);
  if (data.tags?.length) conditions.push(sql`"tags" @> ${sql.array(data.tags, "text")}`);
  if (data.cursor) {
    const after = decodeSearchCursor(data.cursor, keys.length);
    const left = sql.join([...keys.map((k) => sql`(${k.expr})`), sql`"id"`]);
    const right = sql.join([...after.keys.map((n, i) => keys[i]!.literal(n)), sql`${after.id}`]);
    conditions.push(sql`(${left}) < (${right})`);
  }
  const keyColumns = sql.join(keys.map((k, i) => sql`${k.value} AS ${sql.ident(`k${i}`)}`));
  const order = sql.join([...keys.map((k) => sql`${k.expr} DESC`), sql`"id" DESC`]);
  const { rows } = await execute<ListingSummaryRow & Record<string, unknown>>(
    ctx,
    sql`SELECT "id", "workspaceId", "slug", "name", "summary", "category", "tags", "icon", "kind", "visibility", "status", "publisherName",
        "latestVersion", "installCount", "ratingCount", "ratingSum",
        to_char("updatedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt", ${keyColumns}
      FROM "Listing" WHERE ${sql.join(conditions, sql` AND `)}
      ORDER BY ${order} LIMIT ${data.limit + 1}`,
  );
  const items = rows.slice(0, data.limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > data.limit && last
      ? encodeSearchCursor(
          keys.map((_, i) => Number(last[`k${i}`])),
          last.id,
        )
      : null;
  return { items: items.map((row) => toListingSummary(row, ctx.workspaceId)), nextCursor };
}
