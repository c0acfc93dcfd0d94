import type { Metadata } from "next";
import { OrgPolicyForm } from "@/components/orgs/org-policy-form";

export const metadata: Metadata = { title: "Policy" };

export default function Page() {
  return <OrgPolicyForm />;
}
