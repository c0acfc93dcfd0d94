import Link from "next/link";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { WorkspaceOverviewOut } from "@/lib/schemas/overview";

type Attention = WorkspaceOverviewOut["attention"];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Each count that is not zero: what it means, and where to deal with it. */
const ITEMS: { key: keyof Attention; text: (n: number) => string; page: string }[] = [
  { key: "approvals", text: (n) => `${plural(n, "tool call waits", "tool calls wait")} for a decision`, page: "approvals" },
  { key: "toolsToReview", text: (n) => `${plural(n, "MCP tool was", "MCP tools were")} changed by its server: disabled until reviewed`, page: "tools" },
  { key: "mcpServers", text: (n) => `${plural(n, "MCP server is", "MCP servers are")} unreachable or waiting for an authorization`, page: "tools" },
  { key: "triggers", text: (n) => `${plural(n, "webhook trigger", "webhook triggers")} refused a signed delivery today`, page: "automations" },
  { key: "schedules", text: (n) => `${plural(n, "schedule", "schedules")} could not start its last run`, page: "automations" },
];

/** What waits for someone in the workspace (nothing shown when nothing does). */
export function NeedsAttention({ attention }: { attention: Attention }) {
  const { slug } = useWorkspace();
  const shown = ITEMS.filter((item) => (attention[item.key] ?? 0) > 0);
  if (shown.length === 0) return null;
  return (
    <Card data-testid="overview-attention">
      <CardHeader>
        <CardTitle>Needs attention</CardTitle>
        <CardDescription>What waits for someone in this workspace</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="grid divide-y">
          {shown.map((item) => (
            <li key={item.key} className="py-2" data-testid="overview-attention-item" data-item={item.key}>
              <Link className="underline-offset-4 hover:underline" href={`/w/${slug}/${item.page}`}>
                {item.text(attention[item.key]!)}
              </Link>
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
