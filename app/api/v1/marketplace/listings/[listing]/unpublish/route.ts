import { handlers } from "@/server/rest/define";
import { unpublishListingRoute } from "@/server/rest/routes/marketplace-listings";

export const { POST } = handlers(unpublishListingRoute);
