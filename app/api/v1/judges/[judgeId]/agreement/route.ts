import { handlers } from "@/server/rest/define";
import { judgeAgreementRoute } from "@/server/rest/routes/labels";

export const { GET } = handlers(judgeAgreementRoute);
