import type { Metadata } from "next";
import { OrgDomainsCard } from "@/components/orgs/org-domains-card";

export const metadata: Metadata = { title: "Domains" };

export default function Page() {
  return <OrgDomainsCard />;
}
