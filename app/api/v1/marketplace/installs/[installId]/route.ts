import { handlers } from "@/server/rest/define";
import { getInstallRoute, uninstallRoute } from "@/server/rest/routes/marketplace-installs";

export const { GET, DELETE } = handlers(getInstallRoute, uninstallRoute);
