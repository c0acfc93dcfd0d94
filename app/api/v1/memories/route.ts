import { handlers } from "@/server/rest/define";
import { createMemoryRoute, listMemoriesRoute } from "@/server/rest/routes/memories";

export const { GET, POST } = handlers(listMemoriesRoute, createMemoryRoute);
