import { handlers } from "@/server/rest/define";
import { getMemorySettingsRoute, updateMemorySettingsRoute } from "@/server/rest/routes/memories";

export const { GET, PUT } = handlers(getMemorySettingsRoute, updateMemorySettingsRoute);
