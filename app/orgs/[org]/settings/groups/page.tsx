import type { Metadata } from "next";
import { OrgGroupsCard } from "@/components/orgs/org-groups-card";

export const metadata: Metadata = { title: "Groups" };

export default function Page() {
  return <OrgGroupsCard />;
}
