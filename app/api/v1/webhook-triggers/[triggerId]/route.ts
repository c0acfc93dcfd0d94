import { handlers } from "@/server/rest/define";
import { deleteTriggerRoute, getTriggerRoute, updateTriggerRoute } from "@/server/rest/routes/webhook-triggers";

export const { GET, PATCH, DELETE } = handlers(getTriggerRoute, updateTriggerRoute, deleteTriggerRoute);
