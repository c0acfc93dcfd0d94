import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { currentUser } from "@/server/auth/config";
import { requestIdOf } from "@/server/http/request-id";
import { logger } from "@/server/logger";
import { publicOrigin } from "@/server/http/origin";
import { clientInfoOf } from "@/server/http/client-info";
import { clientAddress } from "@/server/http/client-address";

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

export { handler as GET, handler as POST };
