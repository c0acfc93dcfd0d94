import { handlers } from "@/server/rest/define";
import { getMe } from "@/server/rest/routes/me";

export const { GET } = handlers(getMe);
