-- A publisher's workspace purged (server/retention/purge.ts) deletes its listings and their versions: the installs of
-- them in other workspaces go with them (their records only; the installed agents, teams and tools are the installer's
-- own rows and keep working). With RESTRICT, one install anywhere made the publisher's workspace impossible to purge.
ALTER TABLE "ListingInstall" DROP CONSTRAINT "ListingInstall_listingId_fkey";
ALTER TABLE "ListingInstall" ADD CONSTRAINT "ListingInstall_listingId_fkey" FOREIGN KEY ("listingId") REFERENCES "Listing"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ListingInstall" DROP CONSTRAINT "ListingInstall_listingVersionId_fkey";
ALTER TABLE "ListingInstall" ADD CONSTRAINT "ListingInstall_listingVersionId_fkey" FOREIGN KEY ("listingVersionId") REFERENCES "ListingVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
