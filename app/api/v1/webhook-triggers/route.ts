import { handlers } from "@/server/rest/define";
import { createTriggerRoute, listTriggersRoute } from "@/server/rest/routes/webhook-triggers";

export const { GET, POST } = handlers(listTriggersRoute, createTriggerRoute);
