"use client";

import { useQuery } from "@tanstack/react-query";
import { LockIcon } from "lucide-react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CreateDialog } from "@/components/ui/create-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { TOOL_KINDS, type ToolKind, type ToolOut } from "@/lib/schemas/tools";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { McpServersSection } from "./mcp-servers";
import { DeleteToolButton } from "./tool-actions";
import { ToolForm } from "./tool-form";
import { approvalSummary, KIND_LABELS, limitsSummary } from "./tool-summary";

const KIND_TEXT: Record<ToolKind, string> = {
  builtin: "The platform's tools. Their definitions are fixed; the workspace sets whether they are enabled, their limits and approval policy.",
  http: "HTTP requests the workspace defines: a URL template, headers and a body with the call's arguments, optionally a vault secret for one host.",
  mcp: "Tools synced from the workspace's MCP servers. Their definitions are the server's; a changed one stays disabled until reviewed.",
};

/** One tool: name (to its page), description, enabled, approval, limits, the agents granted it, and its actions. */
function ToolRow({ tool }: { tool: ToolOut }) {
  const { slug, can } = useWorkspace();
  const href = `/w/${slug}/tools/${encodeURIComponent(tool.name)}`;
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 border-t py-3 first:border-t-0" data-testid="tool-row" data-name={tool.name}>
      <div className="grid min-w-0 flex-1 gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <Link href={href} className="font-mono text-sm font-medium underline-offset-4 hover:underline" data-testid="tool-link">
            {tool.name}
          </Link>
          <Badge tone={tool.enabled ? "success" : "neutral"} testId="tool-enabled-badge">
            {tool.enabled ? "enabled" : "disabled"}
          </Badge>
        </div>
        <p className="line-clamp-2 text-sm text-muted-foreground">{tool.description}</p>
        <p className="text-xs text-muted-foreground">
          <span data-testid="tool-approval">{approvalSummary(tool.approval)}</span> · <span data-testid="tool-limits">{limitsSummary(tool)}</span>
        </p>
        <p className="text-xs text-muted-foreground" data-testid="tool-granted">
          {tool.grantedTo.length > 0 ? (
            <>
              Granted to{" "}
              {tool.grantedTo.map((g, i) => (
                <span key={g.agentId}>
                  {i > 0 ? ", " : null}
                  <Link href={`/w/${slug}/agents/${g.slug}`} className="underline-offset-4 hover:underline">
                    {g.name}
                  </Link>
                </span>
              ))}
            </>
          ) : (
            "Granted to no agent"
          )}
        </p>
      </div>
      <div className="flex flex-wrap items-center justify-end gap-2">
        {can("tools:update") ? (
          <Button asChild size="sm" variant="outline">
            <Link href={href} data-testid="tool-edit">
              Edit
            </Link>
          </Button>
        ) : null}
        <DeleteToolButton tool={tool} />
      </div>
    </li>
  );
}

function ToolGroup({ kind, tools }: { kind: ToolKind; tools: ToolOut[] }) {
  return (
    <Card title={KIND_LABELS[kind]} description={KIND_TEXT[kind]} testId={`tools-${kind}`}>
      {tools.length > 0 ? (
        <ul className="m-0 list-none p-0">
          {tools.map((t) => (
            <ToolRow key={t.id ?? t.name} tool={t} />
          ))}
        </ul>
      ) : (
        <p className="text-sm text-muted-foreground" data-testid={`tools-${kind}-empty`}>
          {kind === "http" ? "No custom tools yet." : "No MCP tools: connect an MCP server to sync its tools."}
        </p>
      )}
    </Card>
  );
}

function Registry() {
  const trpc = useTRPC();
  const tools = useQuery(trpc.tools.list.queryOptions());
  if (tools.isPending) return <Loading />;
  if (tools.isError) return <FormError message={errorMessage(tools.error)} />;
  return (
    <div className="grid gap-6">
      {TOOL_KINDS.map((kind) => (
        <ToolGroup key={kind} kind={kind} tools={tools.data.filter((t) => t.kind === kind)} />
      ))}
    </div>
  );
}

/** The workspace's tool registry by kind: built-in, custom HTTP, MCP. */
export function ToolsPage() {
  const { can } = useWorkspace();
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Tools"
        description="What agents can do besides answering. An agent calls only the tools its version is granted; each call is checked again when it runs, limited, and waits for a person when its approval policy says so."
        actions={
          can("tools:create") ? (
            <CreateDialog
              label="New custom tool"
              title="New custom tool"
              description="An HTTP request agents can make: its arguments' JSON Schema, the request's templates, an optional vault secret for one host."
              testId="tool-new"
            >
              {(close) => <ToolForm bare onCreated={close} />}
            </CreateDialog>
          ) : null
        }
      />
      {can("tools:read") ? (
        <>
          <Registry />
          <McpServersSection />
        </>
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the tools of this workspace." />
      )}
    </div>
  );
}
