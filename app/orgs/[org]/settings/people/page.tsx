import type { Metadata } from "next";
import { OrgPeopleCard } from "@/components/orgs/org-people-card";
import { requireUser } from "../../../../_lib/session";

export const metadata: Metadata = { title: "People" };

export default async function Page({ params }: { params: Promise<{ org: string }> }) {
  const user = await requireUser(`/orgs/${(await params).org}/settings/people`);
  return <OrgPeopleCard currentUserId={user.id} />;
}
