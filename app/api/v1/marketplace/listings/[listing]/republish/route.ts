import { handlers } from "@/server/rest/define";
import { republishListingRoute } from "@/server/rest/routes/marketplace-listings";

export const { POST } = handlers(republishListingRoute);
