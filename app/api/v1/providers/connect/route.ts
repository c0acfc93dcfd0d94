import { handlers } from "@/server/rest/define";
import { connectProviderRoute } from "@/server/rest/routes/providers";

export const { POST } = handlers(connectProviderRoute);
