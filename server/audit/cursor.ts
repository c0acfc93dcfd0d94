/** The audit log pages with the shared keyset cursor (server/db/cursor.ts), newest first. */
export { decodeCursor, encodeCursor } from "@/server/db/cursor";
import { keysetWhere } from "@/server/db/cursor";

/** The Prisma condition "after the cursor" for `orderBy: [{ createdAt: "desc" }, { id: "desc" }]`. */
export function afterCursor(cursor: string | undefined) {
  return keysetWhere(cursor, "desc");
}
