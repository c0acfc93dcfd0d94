import { handlers } from "@/server/rest/define";
import { removeListingRoute } from "@/server/rest/routes/marketplace-listings";

export const { POST } = handlers(removeListingRoute);
