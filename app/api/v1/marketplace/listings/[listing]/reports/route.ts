import { handlers } from "@/server/rest/define";
import { reportListingRoute } from "@/server/rest/routes/marketplace-listings";

export const { POST } = handlers(reportListingRoute);
