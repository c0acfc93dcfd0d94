import { handlers } from "@/server/rest/define";
import { createSessionRoute, listSessionsRoute } from "@/server/rest/routes/sessions";

export const { GET, POST } = handlers(listSessionsRoute, createSessionRoute);
