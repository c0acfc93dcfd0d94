import { db, NO_TENANT } from "@/server/db/client";
import { appVersion, databaseMode, env } from "@/server/env";
import { requestIdOf } from "@/server/http/request-id";

export const dynamic = "force-dynamic";

/**
 * Liveness: the process serves and reaches its database (within CADRE_READY_TIMEOUT_MS, so that it never hangs).
 * `version` is the release and the commit it was built from. Readiness (migrations, executor, draining) is /api/ready.
 */
export async function GET(request: Request) {
  const headers = { "x-request-id": requestIdOf(request.headers), "cache-control": "no-store" };
  const body = { database: databaseMode(), version: appVersion() };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db(NO_TENANT).$queryRaw`SELECT 1`,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), env().CADRE_READY_TIMEOUT_MS))),
    ]);
    return Response.json({ status: "ok", ...body }, { headers });
  } catch {
    return Response.json({ status: "error", ...body }, { status: 503, headers });
  } finally {
    clearTimeout(timer);
  }
}
