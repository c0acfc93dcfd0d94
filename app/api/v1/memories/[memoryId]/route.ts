import { handlers } from "@/server/rest/define";
import { deleteMemoryRoute, getMemoryRoute, updateMemoryRoute } from "@/server/rest/routes/memories";

export const { GET, PATCH, DELETE } = handlers(getMemoryRoute, updateMemoryRoute, deleteMemoryRoute);
