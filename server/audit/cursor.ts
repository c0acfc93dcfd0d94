import { AppError } from "@/lib/errors";

/**
 * An opaque keyset cursor on (createdAt, id), newest first: the position of the last row of a page. Unlike an
 * id-only cursor it stays valid when that row has been purged since.
 */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^(\d{1,15}):([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!match) throw new AppError("VALIDATION_FAILED", "cursor: not a cursor of this list", { issues: [{ path: "cursor", message: "not a cursor of this list" }] });
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}

/** The Prisma condition "after the cursor" for `orderBy: [{ createdAt: "desc" }, { id: "desc" }]`. */
export function afterCursor(cursor: string | undefined) {
  if (!cursor) return {};
  const c = decodeCursor(cursor);
  return { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] };
}
