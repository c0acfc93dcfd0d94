import { handlers } from "@/server/rest/define";
import { installConsentRoute } from "@/server/rest/routes/marketplace-installs";

export const { GET } = handlers(installConsentRoute);
