import type { Metadata } from "next";
import { OrgAuditCard } from "@/components/orgs/org-audit-card";

export const metadata: Metadata = { title: "Audit trail" };

export default function Page() {
  return <OrgAuditCard />;
}
