import { handlers } from "@/server/rest/define";
import { searchListingsRoute, publishListingRoute } from "@/server/rest/routes/marketplace-listings";

export const { GET, POST } = handlers(searchListingsRoute, publishListingRoute);
