"use client";

import { ServerIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import type { ProviderOutput, ProviderTestResult } from "@/lib/schemas/models";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/components/ui/format";
import { useActionError } from "@/components/ui/use-action-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ActionError } from "./action-error";
import { EnabledToggle } from "./enabled-toggle";
import { formatMs, KindBadge, LocalityBadge, SimulatorBadge } from "./labels";

const col = dataTableColumns<ProviderOutput>();
const MUTED = "text-muted-foreground";

function TestResult({ provider, fresh }: { provider: ProviderOutput; fresh?: ProviderTestResult }) {
  if (fresh) {
    return (
      <div className="grid max-w-64 gap-1 text-sm" data-testid="provider-test-result" data-ok={fresh.ok ? "true" : "false"}>
        <div className="flex flex-wrap items-center gap-1">
          <Badge tone={fresh.ok ? "success" : "danger"}>{fresh.ok ? "OK" : "failed"}</Badge>
          <span className={MUTED}>
            {fresh.modelId ?? ""} · {formatMs(fresh.latencyMs)}
          </span>
        </div>
        {fresh.ok && fresh.reply ? (
          <div className="truncate text-xs" title={fresh.reply}>
            “{fresh.reply}”
          </div>
        ) : null}
        {fresh.error ? <div className="text-xs break-words text-destructive">{fresh.error}</div> : null}
      </div>
    );
  }
  if (provider.lastTestOk === null) {
    return (
      <span className={MUTED} data-testid="provider-test-result" data-ok="">
        never tested
      </span>
    );
  }
  return (
    <div className="grid max-w-64 gap-1 text-sm" data-testid="provider-test-result" data-ok={provider.lastTestOk ? "true" : "false"}>
      <div className="flex flex-wrap items-center gap-1">
        <Badge tone={provider.lastTestOk ? "success" : "danger"}>{provider.lastTestOk ? "OK" : "failed"}</Badge>
        <span className={MUTED}>{formatDateTime(provider.lastTestedAt)}</span>
      </div>
      {provider.lastTestError ? <div className="text-xs break-words text-destructive">{provider.lastTestError}</div> : null}
    </div>
  );
}

function Limits({ provider: p }: { provider: ProviderOutput }) {
  if (p.rpmLimit == null && p.tpmLimit == null) return null;
  return (
    <div className={`text-xs ${MUTED}`} data-testid="provider-limits" title="Shared by every run: calls beyond the limits wait for the next minute">
      {[p.rpmLimit != null ? `${p.rpmLimit} req/min` : null, p.tpmLimit != null ? `${p.tpmLimit.toLocaleString("en-US")} tokens/min` : null]
        .filter(Boolean)
        .join(" · ")}
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

  async function onDelete(p: ProviderOutput) {
    const ok = await confirm({
      title: `Delete the provider ${p.name}?`,
      description: `Its ${p.modelCount} catalog model${p.modelCount === 1 ? " goes" : "s go"} with it. Its vault key stays in the vault.`,
      confirmLabel: "Delete provider",
      destructive: true,
    });
    if (ok) remove.mutate({ providerId: p.id });
  }

  const updatingId = update.isPending ? update.variables?.providerId : undefined;
  const removingId = remove.isPending ? remove.variables?.providerId : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the handlers read the latest state through these deps
  const columns = useMemo((): DataTableColumn<ProviderOutput>[] => {
    const list: DataTableColumn<ProviderOutput>[] = [
      col.accessor("name", {
        header: "Name",
        cell: ({ row }) => (
          <div className="grid justify-items-start gap-1">
            <span className="font-medium">{row.original.name}</span>
            {row.original.isSimulator ? <SimulatorBadge long /> : null}
          </div>
        ),
      }),
      col.accessor("kind", { header: "Kind", cell: ({ row }) => <KindBadge kind={row.original.kind} /> }),
      col.accessor("baseUrl", {
        header: "Base URL",
        cell: ({ row: { original: p } }) =>
          p.baseUrl ? <code className="text-xs break-all">{p.baseUrl}</code> : <span className={MUTED}>{p.isSimulator ? "in process" : "default"}</span>,
      }),
      col.accessor("secretName", {
        header: "Key",
        cell: ({ row: { original: p } }) =>
          p.secretName ? <code className="text-xs">{p.secretName}</code> : <span className={MUTED}>{p.isSimulator ? "not needed" : "none"}</span>,
      }),
      col.accessor("isLocal", {
        header: "Where",
        cell: ({ row: { original: p } }) => (
          <div className="grid justify-items-start gap-1">
            <LocalityBadge isLocal={p.isLocal} />
            <Limits provider={p} />
          </div>
        ),
      }),
      col.accessor("modelCount", { header: "Models" }),
      col.accessor((p) => p.lastTestedAt?.getTime() ?? -1, {
        id: "lastTest",
        header: "Last test",
        cell: ({ row: { original: p } }) => <TestResult provider={p} fresh={results[p.id]} />,
      }),
      col.accessor("enabled", {
        header: "Enabled",
        cell: ({ row: { original: p } }) => (
          <EnabledToggle
            name={p.name}
            testId="provider-enabled"
            checked={p.enabled}
            disabled={!manage || updatingId === p.id}
            onToggle={(enabled) => update.mutate({ providerId: p.id, enabled })}
          />
        ),
      }),
    ];
    if (manage) {
      list.push(
        col.display({
          id: "actions",
          header: "Actions",
          enableHiding: false,
          cell: ({ row: { original: p } }) => (
            <div className="flex justify-end gap-2">
              <Button variant="outline" size="sm" data-testid="provider-test" disabled={testing.has(p.id)} onClick={() => runTest(p.id)}>
                {testing.has(p.id) ? "Testing…" : "Test connection"}
              </Button>
              {p.isSimulator ? null : (
                <Button
                  variant="destructive"
                  size="sm"
                  data-testid="provider-delete"
                  disabled={removingId === p.id}
                  title={`Delete ${p.name} and its ${p.modelCount} catalog model${p.modelCount === 1 ? "" : "s"}`}
                  onClick={() => onDelete(p)}
                >
                  Delete
                </Button>
              )}
            </div>
          ),
        }),
      );
    }
    return list;
  }, [manage, results, testing, updatingId, removingId]);

  return (
    <div className="grid gap-3">
      <ActionError message={error} />
      <DataTable
        columns={columns}
        data={providers.data}
        isPending={providers.isPending}
        isError={providers.isError}
        error={providers.error}
        caption="Providers"
        testId="providers-table"
        rowTestId="provider-row"
        rowAttributes={(p) => ({ "data-name": p.name, "data-provider-id": p.id, "data-enabled": p.enabled ? "true" : "false" })}
        getRowId={(p) => p.id}
        className="[&_[data-enabled=false]]:text-muted-foreground"
        empty={
          <EmptyState
            icon={ServerIcon}
            title="No providers yet"
            text="Add one to call real models; the simulator answers offline until then."
            testId="providers-empty"
          />
        }
      />
    </div>
  );
}
