"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";
import { mcpEndpointUrl } from "./mcp-endpoint-url";

/** What an MCP client's configuration needs (the usual `mcpServers` shape of Claude, Cursor and others). */
function clientConfig(slug: string, url: string): string {
  return JSON.stringify({ mcpServers: { [`cadre-${slug}`]: { type: "http", url, headers: { Authorization: "Bearer <API key>" } } } }, null, 2);
}

/** The workspace's hosted MCP endpoint: its URL, how to connect, and what it offers (workspace settings). */
export function McpEndpointCard() {
  const trpc = useTRPC();
  const { can, slug } = useWorkspace();
  const url = mcpEndpointUrl(slug);
  const agents = useQuery({ ...trpc.agents.list.queryOptions({ limit: 100 }), enabled: can("agents:read") });
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ limit: 100 }), enabled: can("teams:read") });
  const offered = [
    ...(agents.data?.items ?? []).filter((a) => a.mcpExposed).map((a) => ({ tool: `agent_${a.slug}`, name: a.name, href: `/w/${slug}/agents/${a.slug}` })),
    ...(teams.data?.items ?? []).filter((t) => t.mcpExposed).map((t) => ({ tool: `team_${t.slug}`, name: t.name, href: `/w/${slug}/teams/${t.slug}` })),
  ];
  return (
    <Card
      title="Hosted MCP endpoint"
      description="Claude, Cursor and any MCP client use this workspace's agents and teams as tools. Authenticate with an API key of this workspace (its scopes apply), or sign in through OAuth from the client: clients that support MCP authorization discover it from the endpoint."
      testId="mcp-endpoint"
    >
      <div className="flex flex-col gap-4 text-sm">
        <div className="flex items-center gap-2">
          <code className="truncate" data-testid="mcp-endpoint-url">
            {url}
          </code>
          <CopyButton text={url} label="Copy URL" />
        </div>
        <div className="flex flex-col gap-1">
          <span className="text-muted-foreground">
            A client configuration (an{" "}
            <Link href={`/w/${slug}/api-keys`} className="underline underline-offset-4">
              API key
            </Link>{" "}
            in place of &lt;API key&gt;):
          </span>
          <pre className="overflow-x-auto rounded-md bg-muted p-3 text-xs">{clientConfig(slug, url)}</pre>
        </div>
        <div className="flex flex-col gap-1">
          <span className="text-muted-foreground">Offered as tools (besides list_agents, start_run, get_run, cancel_run and recall_memory):</span>
          {offered.length === 0 ? (
            <p data-testid="mcp-offered-none">Nothing yet: open an agent or a team and switch on "Available over MCP".</p>
          ) : (
            <ul className="flex flex-col gap-1" data-testid="mcp-offered">
              {offered.map((o) => (
                <li key={o.tool}>
                  <code>{o.tool}</code> ·{" "}
                  <Link href={o.href} className="underline underline-offset-4">
                    {o.name}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Card>
  );
}
