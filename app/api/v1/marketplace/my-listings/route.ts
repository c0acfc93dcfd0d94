import { handlers } from "@/server/rest/define";
import { myListingsRoute } from "@/server/rest/routes/marketplace-my-listings";

export const { GET } = handlers(myListingsRoute);
