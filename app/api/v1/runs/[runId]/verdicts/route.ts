import { handlers } from "@/server/rest/define";
import { runVerdictsRoute } from "@/server/rest/routes/judges";

export const { GET } = handlers(runVerdictsRoute);
