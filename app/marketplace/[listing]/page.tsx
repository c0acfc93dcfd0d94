import { redirect } from "next/navigation";
import { requireUser, serverCaller } from "../../_lib/session";

export const dynamic = "force-dynamic";

/**
 * A listing's shareable address (an id, or an unlisted listing's link token): it opens in the visitor's first
 * workspace, where row-level security decides what they may see. Signed out: sign in, then back here.
 */
export default async function SharedListingPage({ params }: { params: Promise<{ listing: string }> }) {
  const { listing } = await params;
  const user = await requireUser(`/marketplace/${listing}`);
  const workspaces = await (await serverCaller(user)).workspaces.listMine();
  const first = workspaces[0];
  redirect(first ? `/w/${first.slug}/marketplace/${listing}` : "/new");
}
