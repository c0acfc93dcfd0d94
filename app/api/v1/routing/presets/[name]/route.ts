import { handlers } from "@/server/rest/define";
import { deleteRoutingPresetRoute, updateRoutingPresetRoute } from "@/server/rest/routes/routing";

export const { PATCH, DELETE } = handlers(updateRoutingPresetRoute, deleteRoutingPresetRoute);
