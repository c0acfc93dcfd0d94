import type { Metadata } from "next";
import { headers } from "next/headers";
import { OrgTokensCard } from "@/components/orgs/org-tokens-card";
import { ScimEndpointCard } from "@/components/orgs/scim-endpoint-card";
import { PageHeader } from "@/components/ui/page-header";
import { publicOriginOfHeaders } from "@/server/http/origin";

export const metadata: Metadata = { title: "SCIM provisioning" };

export default async function Page({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const baseUrl = `${publicOriginOfHeaders(await headers())}/api/scim/v2/${encodeURIComponent(org)}`;
  return (
    <div className="grid gap-6">
      <PageHeader title="SCIM provisioning" description="Provision people and groups from your identity provider." />
      <ScimEndpointCard baseUrl={baseUrl} />
      <OrgTokensCard />
    </div>
  );
}
