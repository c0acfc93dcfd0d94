import { handlers } from "@/server/rest/define";
import { eraseSubjectRoute } from "@/server/rest/routes/memories";

export const { POST } = handlers(eraseSubjectRoute);
