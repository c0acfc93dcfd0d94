"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDocumentTitle } from "@/components/shell/use-document-title";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { ResourceHeader, ResourcePage } from "@/components/ui/resource-page";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ToolOut } from "@/lib/schemas/tools";
import { useTRPC } from "@/lib/trpc/react";
import { TestCallPanel } from "./test-call-panel";
import { DeleteToolButton } from "./tool-actions";
import { ToolForm } from "./tool-form";
import { approvalSummary, KIND_LABELS } from "./tool-summary";

function GrantedTo({ tool }: { tool: ToolOut }) {
  const { slug } = useWorkspace();
  return (
    <Card
      title="Granted to"
      description="Agents whose current version may call this tool (grant it in the agent's form; that needs tools:grant)."
      testId="tool-grants"
    >
      {tool.grantedTo.length > 0 ? (
        <ul className="m-0 grid list-none gap-1 p-0 text-sm">
          {tool.grantedTo.map((g) => (
            <li key={g.agentId}>
              <Link href={`/w/${slug}/agents/${g.slug}`} className="underline-offset-4 hover:underline">
                {g.name}
              </Link>{" "}
              <code className="text-muted-foreground">{g.slug}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-muted-foreground">No agent yet.</p>
      )}
    </Card>
  );
}

/** One tool: its definition or settings (editable as the role allows), a test call, the agents granted it, delete/reset. */
export function ToolDetailPage({ tool: ref }: { tool: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { can, slug, workspace } = useWorkspace();
  const tool = useQuery({ ...trpc.tools.get.queryOptions({ tool: ref }), enabled: can("tools:read") });
  useDocumentTitle([tool.data?.name, "Tools", workspace.name]);
  return (
    <ResourcePage
      readable={can("tools:read")}
      noAccess="Your role cannot see the tools of this workspace."
      query={tool}
      notFound={`No tool "${ref}" in this workspace.`}
      backHref={`/w/${slug}/tools`}
      backLabel="← All tools"
    >
      {(t) => (
        <div className="flex flex-col gap-6" data-testid="tool-page" data-name={t.name}>
          <ResourceHeader
            crumbs={[{ label: "Tools", href: `/w/${slug}/tools` }]}
            title={t.name}
            actions={<DeleteToolButton tool={t} onDone={t.kind === "builtin" ? undefined : () => router.push(`/w/${slug}/tools`)} />}
          >
            {KIND_LABELS[t.kind]} ·{" "}
            <Badge tone={t.enabled ? "success" : "neutral"} testId="tool-enabled-badge">
              {t.enabled ? "enabled" : "disabled"}
            </Badge>{" "}
            · {approvalSummary(t.approval)}
          </ResourceHeader>
          {t.kind === "builtin" ? <p className="text-sm text-muted-foreground">{t.description}</p> : null}
          <ToolForm
            key={t.id ?? t.name}
            tool={t}
            // a renamed tool's page is at its new name
            onSaved={(saved) => (saved.name !== ref ? router.replace(`/w/${slug}/tools/${encodeURIComponent(saved.name)}`) : undefined)}
          />
          {can("tools:update") ? <TestCallPanel tool={t} /> : null}
          <GrantedTo tool={t} />
        </div>
      )}
    </ResourcePage>
  );
}
