import { handlers } from "@/server/rest/define";
import { usageTotalsRoute } from "@/server/rest/routes/usage";

export const { GET } = handlers(usageTotalsRoute);
