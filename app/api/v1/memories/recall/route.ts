import { handlers } from "@/server/rest/define";
import { recallMemoriesRoute } from "@/server/rest/routes/memories";

export const { POST } = handlers(recallMemoriesRoute);
