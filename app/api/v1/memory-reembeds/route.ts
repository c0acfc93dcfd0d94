import { handlers } from "@/server/rest/define";
import { listMemoryReembedsRoute } from "@/server/rest/routes/memory-models";

export const { GET } = handlers(listMemoryReembedsRoute);
