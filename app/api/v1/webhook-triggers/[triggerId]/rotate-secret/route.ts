import { handlers } from "@/server/rest/define";
import { rotateTriggerSecretRoute } from "@/server/rest/routes/webhook-triggers";

export const { POST } = handlers(rotateTriggerSecretRoute);
