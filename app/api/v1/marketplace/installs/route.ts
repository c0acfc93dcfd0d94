import { handlers } from "@/server/rest/define";
import { installListingRoute, listInstallsRoute } from "@/server/rest/routes/marketplace-installs";

export const { GET, POST } = handlers(listInstallsRoute, installListingRoute);
