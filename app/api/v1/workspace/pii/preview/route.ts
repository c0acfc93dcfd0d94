import { handlers } from "@/server/rest/define";
import { previewPiiRoute } from "@/server/rest/routes/pii";

export const { POST } = handlers(previewPiiRoute);
