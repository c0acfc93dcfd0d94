import { handlers } from "@/server/rest/define";
import { publishListingVersionRoute } from "@/server/rest/routes/marketplace-listings";

export const { POST } = handlers(publishListingVersionRoute);
