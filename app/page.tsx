import { redirect } from "next/navigation";
import { currentUser } from "@/server/auth/config";
import { serverCaller } from "./_lib/session";

export const dynamic = "force-dynamic";

/** Home: the first workspace, or creating one; sign-in when signed out. */
export default async function HomePage() {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  const caller = await serverCaller(user);
  const workspaces = await caller.workspaces.listMine();
  const first = workspaces[0];
  redirect(first ? `/w/${first.slug}` : "/new");
}
