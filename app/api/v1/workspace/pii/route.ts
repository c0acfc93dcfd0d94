import { handlers } from "@/server/rest/define";
import { getPiiPolicyRoute, updatePiiPolicyRoute } from "@/server/rest/routes/pii";

export const { GET, PUT } = handlers(getPiiPolicyRoute, updatePiiPolicyRoute);
