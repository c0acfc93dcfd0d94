import { handlers } from "@/server/rest/define";
import { getMemoryReembedRoute } from "@/server/rest/routes/memory-models";

export const { GET } = handlers(getMemoryReembedRoute);
