import { handlers } from "@/server/rest/define";
import { getListingRoute, updateListingRoute } from "@/server/rest/routes/marketplace-listings";

export const { GET, PATCH } = handlers(getListingRoute, updateListingRoute);
