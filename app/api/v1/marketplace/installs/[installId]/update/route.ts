import { handlers } from "@/server/rest/define";
import { updateInstallRoute } from "@/server/rest/routes/marketplace-installs";

export const { POST } = handlers(updateInstallRoute);
