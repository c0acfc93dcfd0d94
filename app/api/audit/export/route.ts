import { sessionHandlers } from "@/server/rest/session";
import { webAuditExportRoute } from "@/server/rest/routes/web";

export const dynamic = "force-dynamic";

/** The audit page's download (session + workspace membership via ?workspace= or x-cadre-workspace). */
export const { GET } = sessionHandlers(webAuditExportRoute);
