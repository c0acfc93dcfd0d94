import { handlers } from "@/server/rest/define";
import { listSessionMessagesRoute, sendSessionMessageRoute } from "@/server/rest/routes/sessions";

export const { GET, POST } = handlers(listSessionMessagesRoute, sendSessionMessageRoute);
