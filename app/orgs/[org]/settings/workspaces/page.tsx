import type { Metadata } from "next";
import { OrgWorkspacesCard } from "@/components/orgs/org-workspaces-card";

export const metadata: Metadata = { title: "Workspaces" };

export default function Page() {
  return <OrgWorkspacesCard />;
}
