import { handlers } from "@/server/rest/define";
import { createProviderRoute, listProvidersRoute } from "@/server/rest/routes/providers";

export const { GET, POST } = handlers(listProvidersRoute, createProviderRoute);
