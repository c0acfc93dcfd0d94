import { db } from "@/server/db/client";
import { APP_VERSION, databaseMode } from "@/server/env";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    await db().$queryRaw`SELECT 1`;
    return Response.json({ status: "ok", database: databaseMode(), version: APP_VERSION });
  } catch {
    return Response.json({ status: "error", database: databaseMode(), version: APP_VERSION }, { status: 503 });
  }
}
