import { handlers } from "@/server/rest/define";
import { addProviderModelsRoute, listProviderModelsRoute } from "@/server/rest/routes/providers";

export const { GET, POST } = handlers(listProviderModelsRoute, addProviderModelsRoute);
