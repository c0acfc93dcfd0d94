import { z } from "zod";
import { myListingSchema } from "@/lib/schemas/marketplace";
import { myListings } from "@/server/marketplace/listings";
import { defineRoute } from "../define";

export const myListingsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/marketplace/my-listings",
  summary:
    "This workspace's own listings, newest first, whatever their status, with their install and rating counts and open reports (numbers only, never who)",
  tag: "Marketplace",
  requires: "marketplace:read",
  response: z.object({ data: z.array(myListingSchema) }),
  handler: async ({ ctx }) => ({ data: await myListings(ctx) }),
});
