import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { MAX_BUNDLE_TEXT } from "@/lib/schemas/team-bundle";
import { appRouter } from "@/server/api/root";
import { currentUser } from "@/server/auth/config";
import { requestIdOf } from "@/server/http/request-id";
import { logger } from "@/server/logger";
import { publicOrigin } from "@/server/http/origin";
import { clientInfoOf } from "@/server/http/client-info";
import { clientAddress } from "@/server/http/client-address";
import { limitBody, maxBodyBytes } from "@/server/http/body";
import { MAX_RUN_START_BODY_BYTES } from "@/lib/schemas/runs";
import { DOCUMENT_MAX_BODY_BYTES } from "@/lib/schemas/memory-documents";
import { IMPORT_MAX_BODY_BYTES } from "@/lib/schemas/datasets";
import { observeRequest } from "@/server/http/observe";

function handler(req: Request) {
  const requestId = requestIdOf(req.headers);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({
      requestId,
      user: await currentUser(),
      workspaceSlug: req.headers.get("x-cadre-workspace"),
      orgSlug: req.headers.get("x-cadre-org"),
      origin: publicOrigin(req),
      ...clientInfoOf(req),
      clientAddress: clientAddress(req.headers),
    }),
    responseMeta: () => ({ headers: new Headers({ "x-request-id": requestId }) }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ requestId, path, err: error.cause ?? error }, "tRPC procedure failed");
    },
  });
}

/**
 * The body limit of a request: a batch that starts a run gets at least what a run input at its maximum needs, one
 * that imports a team file what the largest file needs, one that uploads a memory document what the largest document
 * needs (base64 or JSON-escaped text), a dataset import what the largest import needs.
 */
function bodyLimit(req: Request): number {
  const paths = new URL(req.url).pathname.replace(/^\/api\/trpc\/?/, "").split(",");
  if (paths.includes("teams.import")) return Math.max(maxBodyBytes(), MAX_BUNDLE_TEXT * 4);
  if (paths.includes("memoryDocuments.create")) return Math.max(maxBodyBytes(), DOCUMENT_MAX_BODY_BYTES);
  if (paths.includes("datasets.import")) return Math.max(maxBodyBytes(), IMPORT_MAX_BODY_BYTES);
  return paths.includes("runs.start") ? Math.max(maxBodyBytes(), MAX_RUN_START_BODY_BYTES) : maxBodyBytes();
}

const bounded = limitBody(handler, bodyLimit);
/** the procedure names of the call (a batch: several), for the access line */
function procedures(req: Request): string {
  return new URL(req.url).pathname.replace(/^\/api\/trpc\/?/, "").slice(0, 200);
}
const observed = (req: Request) => observeRequest(req, { method: req.method, route: "/api/trpc", fields: { procedures: procedures(req) } }, () => bounded(req));
export { observed as GET, observed as POST };
