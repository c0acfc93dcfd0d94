import { handlers } from "@/server/rest/define";
import { deleteRoutingPresetRoute } from "@/server/rest/routes/routing";

export const { DELETE } = handlers(deleteRoutingPresetRoute);
