"use client";

import { PolicyLabel } from "./policy-label";
import Link from "next/link";
import { useState } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { NoAccess } from "@/components/ui/loading";
import { QueryTable } from "@/components/ui/table";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { AgentForm } from "./agent-form";

function AgentsTable() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [archived, setArchived] = useState(false);
  const agents = usePagedList(useInfiniteQuery(trpc.agents.list.infiniteQueryOptions({ includeArchived: archived }, { getNextPageParam: nextPageParam })));
  return (
    <Card
      title="Agents"
      actions={
        <label className="checkbox small">
          <input type="checkbox" data-testid="agents-show-archived" checked={archived} onChange={(e) => setArchived(e.target.checked)} />
          show archived
        </label>
      }
    >
      <FormError message={agents.isError ? errorMessage(agents.error) : null} />
      <QueryTable
        query={agents}
        empty={
          <p className="muted" data-testid="agent-empty">
            No agents yet.
          </p>
        }
      >
        <table className="table">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Role</th>
              <th>Model policy</th>
              <th className="num">Version</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {agents.data?.map((a) => (
              <tr key={a.id} data-testid="agent-row" data-slug={a.slug} className={a.archivedAt ? "row-muted" : undefined}>
                <td>
                  <Link href={`/w/${slug}/agents/${a.slug}`} className="cell-title">
                    {a.name}
                  </Link>
                  <div>
                    <code className="model-id">{a.slug}</code> {a.archivedAt ? <Badge tone="neutral">archived</Badge> : null}
                  </div>
                </td>
                <td className="small">{a.roleDescription || <span className="muted">—</span>}</td>
                <td className="small">
                  <PolicyLabel policy={a.modelPolicy} />
                </td>
                <td className="num">v{a.currentVersion}</td>
                <td className="nowrap">{formatDateTime(a.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
      <LoadMore list={agents} testId="agents-load-more" />
    </Card>
  );
}

export function AgentsPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Agents</h1>
      </div>
      {can("agents:read") ? <AgentsTable /> : <NoAccess>Your role cannot see the agents of this workspace.</NoAccess>}
      {can("agents:create") ? <AgentForm /> : null}
    </div>
  );
}
