-- The publishing workspace's name on its listings (provenance): readers of a listing cannot read another tenant's
-- Workspace row, so the name is copied when a listing is published and refreshed at each new version.
ALTER TABLE "Listing" ADD COLUMN "publisherName" TEXT NOT NULL DEFAULT '';

-- Marketplace search (server/marketplace/search.ts) pages public, active listings in each sort's order: these let a
-- page be read off an index instead of sorting every listing (the rating key exactly as the search writes it).
CREATE INDEX "Listing_public_installs_idx" ON "Listing" ("installCount", "id") WHERE "status" = 'active' AND "visibility" = 'public';
CREATE INDEX "Listing_public_recent_idx" ON "Listing" ("updatedAt", "id") WHERE "status" = 'active' AND "visibility" = 'public';
CREATE INDEX "Listing_public_rating_idx" ON "Listing" ((COALESCE(("ratingSum"::bigint * 1000000) / NULLIF("ratingCount", 0), -1)), "ratingCount", "id")
  WHERE "status" = 'active' AND "visibility" = 'public';
