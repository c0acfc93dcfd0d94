import { handlers } from "@/server/rest/define";
import { testToolRoute } from "@/server/rest/routes/tools";

export const { POST } = handlers(testToolRoute);
