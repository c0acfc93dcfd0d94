import { handlers } from "@/server/rest/define";
import { testProviderRoute } from "@/server/rest/routes/providers";

export const { POST } = handlers(testProviderRoute);
