import { handlers } from "@/server/rest/define";
import { pickExamplesRoute } from "@/server/rest/routes/labels";

export const { POST } = handlers(pickExamplesRoute);
