"use client";

import { useConfirm } from "@/components/ui/confirm";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import type { ProviderOutput, ProviderTestResult } from "@/lib/schemas/models";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { useActionError } from "@/components/ui/use-action-error";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { EnabledToggle } from "./enabled-toggle";
import { formatMs, KindBadge, LocalityBadge, SimulatorBadge } from "./labels";

function TestResult({ provider, fresh }: { provider: ProviderOutput; fresh?: ProviderTestResult }) {
  if (fresh) {
    return (
      <div className="test-result" data-testid="provider-test-result" data-ok={fresh.ok ? "true" : "false"}>
        <Badge tone={fresh.ok ? "success" : "danger"}>{fresh.ok ? "OK" : "failed"}</Badge>{" "}
        <span className="muted">
          {fresh.modelId ?? ""} · {formatMs(fresh.latencyMs)}
        </span>
        {fresh.ok && fresh.reply ? (
          <div className="test-detail" title={fresh.reply}>
            “{fresh.reply}”
          </div>
        ) : null}
        {fresh.error ? <div className="test-detail test-error">{fresh.error}</div> : null}
      </div>
    );
  }
  if (provider.lastTestOk === null) {
    return (
      <span className="muted" data-testid="provider-test-result" data-ok="">
        never tested
      </span>
    );
  }
  return (
    <div className="test-result" data-testid="provider-test-result" data-ok={provider.lastTestOk ? "true" : "false"}>
      <Badge tone={provider.lastTestOk ? "success" : "danger"}>{provider.lastTestOk ? "OK" : "failed"}</Badge>{" "}
      <span className="muted">{formatDateTime(provider.lastTestedAt)}</span>
      {provider.lastTestError ? <div className="test-detail test-error">{provider.lastTestError}</div> : null}
    </div>
  );
}

export function ProvidersTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const providers = useQuery(trpc.providers.list.queryOptions());
  const { error, setError, handlers } = useActionError();
  const [results, setResults] = useState<Record<string, ProviderTestResult>>({});
  const [testing, setTesting] = useState<ReadonlySet<string>>(new Set());
  const manage = can("models:manage");

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.providers.list.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() });
  };
  const update = useMutation(trpc.providers.update.mutationOptions({ ...handlers, onSettled: refresh }));
  const confirm = useConfirm();
  const remove = useMutation(trpc.providers.delete.mutationOptions({ ...handlers, onSettled: refresh }));
  const test = useMutation(trpc.providers.test.mutationOptions());

  async function runTest(providerId: string) {
    setError(null);
    setTesting((prev) => new Set(prev).add(providerId));
    try {
      const result = await test.mutateAsync({ providerId });
      setResults((prev) => ({ ...prev, [providerId]: result }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setTesting((prev) => {
        const next = new Set(prev);
        next.delete(providerId);
        return next;
      });
      await refresh();
    }
  }

  return (
    <Card title="Providers" description="Every model call goes through one of these. The simulator answers offline when nothing else is configured.">
      <FormError message={error ?? (providers.isError ? errorMessage(providers.error) : null)} />
      <QueryTable query={providers}>
        <table className="table table-providers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Base URL</th>
              <th>Key</th>
              <th>Where</th>
              <th>Models</th>
              <th>Last test</th>
              <th>Enabled</th>
              {manage ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {providers.data?.map((p) => (
              <tr key={p.id} data-testid="provider-row" data-name={p.name} data-provider-id={p.id} className={p.enabled ? undefined : "row-muted"}>
                <td>
                  <div className="cell-title">{p.name}</div>
                  {p.isSimulator ? <SimulatorBadge long /> : null}
                </td>
                <td>
                  <KindBadge kind={p.kind} />
                </td>
                <td>{p.baseUrl ? <code className="base-url">{p.baseUrl}</code> : <span className="muted">{p.isSimulator ? "in process" : "default"}</span>}</td>
                <td>{p.secretName ? <code>{p.secretName}</code> : <span className="muted">{p.isSimulator ? "not needed" : "none"}</span>}</td>
                <td>
                  <LocalityBadge isLocal={p.isLocal} />
                  {p.rpmLimit != null || p.tpmLimit != null ? (
                    <div className="muted" data-testid="provider-limits" title="Shared by every run: calls beyond the limits wait for the next minute">
                      {[p.rpmLimit != null ? `${p.rpmLimit} req/min` : null, p.tpmLimit != null ? `${p.tpmLimit.toLocaleString("en-US")} tokens/min` : null]
                        .filter(Boolean)
                        .join(" · ")}
                    </div>
                  ) : null}
                </td>
                <td>{p.modelCount}</td>
                <td className="col-test">
                  <TestResult provider={p} fresh={results[p.id]} />
                </td>
                <td>
                  <EnabledToggle
                    name={p.name}
                    testId="provider-enabled"
                    checked={p.enabled}
                    disabled={!manage || (update.isPending && update.variables?.providerId === p.id)}
                    onToggle={(enabled) => update.mutate({ providerId: p.id, enabled })}
                  />
                </td>
                {manage ? (
                  <td className="actions-col">
                    <div className="row-actions">
                      <button
                        type="button"
                        className="btn btn-secondary btn-sm"
                        data-testid="provider-test"
                        disabled={testing.has(p.id)}
                        onClick={() => runTest(p.id)}
                      >
                        {testing.has(p.id) ? "Testing…" : "Test connection"}
                      </button>
                      {p.isSimulator ? null : (
                        <RowDangerButton
                          testId="provider-delete"
                          disabled={remove.isPending && remove.variables?.providerId === p.id}
                          title={`Delete ${p.name} and its ${p.modelCount} catalog model${p.modelCount === 1 ? "" : "s"}`}
                          onClick={async () => {
                            const ok = await confirm({
                              title: `Delete the provider ${p.name}?`,
                              description: `Its ${p.modelCount} catalog model${p.modelCount === 1 ? " goes" : "s go"} with it. Its vault key stays in the vault.`,
                              confirmLabel: "Delete provider",
                              destructive: true,
                            });
                            if (ok) remove.mutate({ providerId: p.id });
                          }}
                        >
                          Delete
                        </RowDangerButton>
                      )}
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
    </Card>
  );
}
