"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { Card } from "@/components/ui/card";
import { QueryTable } from "@/components/ui/table";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-error";

/** The organisation's audit trail: policy, domains, people, SSO, SCIM and token changes, newest first. */
export function OrgAuditCard() {
  const trpc = useTRPC();
  const entries = useQuery(trpc.orgs.audit.queryOptions({ limit: 200 }));
  return (
    <Card title="Audit trail" description="Every change to the organisation, by whom (a person, SCIM, or an operator)." testId="org-audit">
      <FormError message={entries.error?.message} />
      <QueryTable query={entries} empty={<EmptyState title="Nothing recorded yet" />}>
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.data?.map((e) => (
              <tr key={e.id} className="border-t align-top" data-testid="org-audit-row">
                <td className="py-2 whitespace-nowrap">{e.createdAt.toLocaleString()}</td>
                <td className="py-2">{e.actorLabel ?? e.actorType}</td>
                <td className="py-2 font-mono text-xs">{e.action}</td>
                <td className="py-2 font-mono text-xs break-all">{JSON.stringify(e.metadata)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
    </Card>
  );
}
