import { handlers } from "@/server/rest/define";
import { installDiffRoute } from "@/server/rest/routes/marketplace-installs";

export const { GET } = handlers(installDiffRoute);
