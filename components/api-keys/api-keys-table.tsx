"use client";

import { useConfirm } from "@/components/ui/confirm";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { StatusBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { keyStatus } from "./scopes";

export function ApiKeysTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, user } = useWorkspace();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const confirm = useConfirm();
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
    }),
  );
  // members revoke their own keys; api_keys:manage revokes anyone's
  const mayRevoke = (createdBy: string | null) => can("api_keys:manage") || (can("api_keys:revoke") && createdBy === user.email);
  const showActions = can("api_keys:revoke") || can("api_keys:manage");

  return (
    <Card title="Keys" description="Keys authenticate scripts against the REST API (Authorization: Bearer …).">
      <FormError message={revoke.error ? errorMessage(revoke.error) : keys.isError ? errorMessage(keys.error) : null} />
      <QueryTable
        query={keys}
        empty={
          <p className="muted" data-testid="apikey-empty">
            No API keys yet.
          </p>
        }
      >
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Scopes</th>
              <th>Created by</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Status</th>
              {showActions ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {keys.data?.map((k) => {
              const status = keyStatus(k);
              return (
                <tr key={k.id} data-testid="apikey-row" data-key-id={k.id} className={status !== "active" ? "row-muted" : undefined}>
                  <td>{k.name}</td>
                  <td>
                    <code className="key-hint">
                      {k.prefix}…{k.last4}
                    </code>
                  </td>
                  <td>
                    <details className="scope-list">
                      <summary>
                        {k.scopes.length} {k.scopes.length === 1 ? "scope" : "scopes"}
                      </summary>
                      <ul>
                        {k.scopes.map((s) => (
                          <li key={s}>
                            <code>{s}</code>
                          </li>
                        ))}
                      </ul>
                    </details>
                  </td>
                  <td>{k.createdBy ?? <span className="muted">—</span>}</td>
                  <td>{formatDate(k.createdAt)}</td>
                  <td>{k.expiresAt ? formatDate(k.expiresAt) : <span className="muted">never</span>}</td>
                  <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : <span className="muted">never</span>}</td>
                  <td>
                    <StatusBadge status={status} testId="apikey-status" />
                  </td>
                  {showActions ? (
                    <td className="actions-col">
                      {status === "active" && mayRevoke(k.createdBy) ? (
                        <RowDangerButton
                          testId="apikey-revoke"
                          disabled={revoke.isPending && revoke.variables?.keyId === k.id}
                          onClick={async () => {
                            const ok = await confirm({
                              title: `Revoke the key "${k.name}"?`,
                              description: "Scripts and services using it stop working at once. A revoked key cannot be used again.",
                              confirmLabel: "Revoke key",
                              destructive: true,
                            });
                            if (ok) revoke.mutate({ keyId: k.id });
                          }}
                        >
                          Revoke
                        </RowDangerButton>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </QueryTable>
    </Card>
  );
}
