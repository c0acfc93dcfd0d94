import { handlers } from "@/server/rest/define";
import { createRoutingPresetRoute, listRoutingPresetsRoute } from "@/server/rest/routes/routing";

export const { GET, POST } = handlers(listRoutingPresetsRoute, createRoutingPresetRoute);
