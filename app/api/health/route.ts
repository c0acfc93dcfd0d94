import { db, NO_TENANT } from "@/server/db/client";
import { APP_VERSION, databaseMode } from "@/server/env";
import { requestIdOf } from "@/server/http/request-id";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const headers = { "x-request-id": requestIdOf(request.headers) };
  try {
    await db(NO_TENANT).$queryRaw`SELECT 1`;
    return Response.json({ status: "ok", database: databaseMode(), version: APP_VERSION }, { headers });
  } catch {
    return Response.json({ status: "error", database: databaseMode(), version: APP_VERSION }, { status: 503, headers });
  }
}
