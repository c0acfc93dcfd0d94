import { Card } from "@/components/ui/card";
import { CopyableCode } from "@/components/ui/shown-once";

/** The SCIM base URL to paste into the identity provider, with what to pick there (docs/scim.md). */
export function ScimEndpointCard({ baseUrl }: { baseUrl: string }) {
  return (
    <Card
      title="SCIM provisioning"
      description="Your identity provider (Okta, Microsoft Entra ID) creates, updates and deactivates people and groups here."
      testId="scim-endpoint-card"
    >
      <div className="grid gap-3 text-sm">
        <div className="grid gap-1">
          <span className="font-medium">SCIM base URL</span>
          <CopyableCode value={baseUrl} testId="scim-base-url" />
        </div>
        <ul className="list-disc space-y-1 pl-5 text-muted-foreground">
          <li>Authentication: HTTP header (bearer token), with an organisation token that has the scim scope.</li>
          <li>Unique identifier: userName (the email address); only addresses on the organisation&apos;s verified domains are provisioned.</li>
          <li>Okta: Push New Users, Push Profile Updates, Push Groups. Entra ID: provisioning mode Automatic, tenant URL as above.</li>
          <li>Deactivating a person ends their sessions and API keys at once; groups map to workspace roles in the group mapping.</li>
        </ul>
      </div>
    </Card>
  );
}
