import { handlers } from "@/server/rest/define";
import { deleteProviderRoute, getProviderRoute, updateProviderRoute } from "@/server/rest/routes/providers";

export const { GET, PATCH, DELETE } = handlers(getProviderRoute, updateProviderRoute, deleteProviderRoute);
