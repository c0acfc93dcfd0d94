import { handlers } from "@/server/rest/define";
import { listListingReviewsRoute, putListingReviewRoute } from "@/server/rest/routes/marketplace-listings";

export const { GET, PUT } = handlers(listListingReviewsRoute, putListingReviewRoute);
