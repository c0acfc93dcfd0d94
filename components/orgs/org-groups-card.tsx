"use client";

import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { ROLES, type Role } from "@/lib/permissions";
import { Card } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { errorMessage, isTrpcError } from "@/lib/trpc/errors";

type Row = { group: string; workspace: string; role: Role };

/** Identity-provider groups (SSO group claims, SCIM groups) mapped to roles in the organisation's workspaces. */
export function OrgGroupsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mappings = useQuery(trpc.orgs.groupRoles.queryOptions());
  const workspaces = useQuery(trpc.orgs.workspaces.queryOptions());
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (mappings.data && rows === null)
      setRows(mappings.data.filter((m) => m.workspace !== null).map((m) => ({ group: m.group, workspace: m.workspace!, role: m.role })));
  }, [mappings.data, rows]);
  const save = useMutation(
    trpc.orgs.setGroupRoles.mutationOptions({
      onMutate: () => {
        setError(null);
        setIssues({});
        setSaved(false);
      },
      onSuccess: async (next) => {
        setRows(next.filter((m) => m.workspace !== null).map((m) => ({ group: m.group, workspace: m.workspace!, role: m.role })));
        setSaved(true);
        await queryClient.invalidateQueries(trpc.orgs.groupRoles.queryFilter());
      },
      onError: (e) => {
        setError(errorMessage(e));
        const list = isTrpcError(e) ? (e.data as { issues?: { path: string; message: string }[] } | undefined)?.issues : undefined;
        setIssues(Object.fromEntries((list ?? []).map((i) => [i.path, i.message])));
      },
    }),
  );
  if (rows === null || workspaces.isPending) return <Loading />;
  const update = (i: number, patch: Partial<Row>) => {
    setSaved(false);
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };

  return (
    <Card
      title="Groups"
      description="A person's role in a workspace named here follows their groups (the highest mapped role; no group: no membership). Owners are never changed by a mapping. Groups come from the SSO groups claim and from SCIM."
      testId="org-groups"
    >
      <FormError message={error} />
      <div className="grid gap-2">
        {rows.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no id of their own
          <div key={i} className="flex flex-wrap items-start gap-2" data-testid={`group-row-${i}`}>
            <div className="grid gap-1">
              <Input
                aria-label="Group"
                placeholder="engineering"
                value={r.group}
                data-testid={`group-name-${i}`}
                onChange={(e) => update(i, { group: e.target.value })}
              />
              {issues[`mappings.${i}.group`] ? <span className="text-sm text-destructive">{issues[`mappings.${i}.group`]}</span> : null}
            </div>
            <div className="grid gap-1">
              <select
                aria-label="Workspace"
                className={SELECT_CLASS}
                value={r.workspace}
                data-testid={`group-workspace-${i}`}
                onChange={(e) => update(i, { workspace: e.target.value })}
              >
                <option value="">Choose a workspace…</option>
                {workspaces.data?.map((w) => (
                  <option key={w.slug} value={w.slug}>
                    {w.name}
                  </option>
                ))}
              </select>
              {issues[`mappings.${i}.workspace`] ? <span className="text-sm text-destructive">{issues[`mappings.${i}.workspace`]}</span> : null}
            </div>
            <select
              aria-label="Role"
              className={SELECT_CLASS}
              value={r.role}
              data-testid={`group-role-${i}`}
              onChange={(e) => update(i, { role: e.target.value as Role })}
            >
              {ROLES.filter((role) => role !== "owner").map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
            <Button variant="ghost" onClick={() => setRows(rows.filter((_, j) => j !== i))} data-testid={`group-remove-${i}`}>
              Remove
            </Button>
          </div>
        ))}
      </div>
      <div className="mt-4 flex items-center gap-2">
        <Button
          variant="outline"
          data-testid="group-add"
          onClick={() => setRows([...rows, { group: "", workspace: workspaces.data?.[0]?.slug ?? "", role: "member" }])}
        >
          Add a mapping
        </Button>
        <Button data-testid="group-save" disabled={save.isPending} onClick={() => save.mutate({ mappings: rows })}>
          {save.isPending ? "Saving…" : "Save mappings"}
        </Button>
        {saved ? <span className="font-medium text-success">Saved</span> : null}
      </div>
    </Card>
  );
}
