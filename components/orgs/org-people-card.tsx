"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { ORG_ROLES, type OrgRole } from "@/lib/schemas/organizations";
import { Card } from "@/components/ui/card";
import { RoleBadge } from "@/components/ui/badge";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { FormError } from "@/components/ui/form-error";
import { useConfirm } from "@/components/ui/confirm";
import { errorMessage } from "@/lib/trpc/errors";

/** Everyone in the organisation and its workspaces; org roles; remove someone from all of them at once. */
export function OrgPeopleCard({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const people = useQuery(trpc.orgs.people.queryOptions());
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.orgs.people.queryFilter());
  const setRole = useMutation(
    trpc.orgs.setRole.mutationOptions({ onMutate: () => setError(null), onSuccess: refresh, onError: (e) => setError(errorMessage(e)) }),
  );
  const remove = useMutation(
    trpc.orgs.removePerson.mutationOptions({ onMutate: () => setError(null), onSuccess: refresh, onError: (e) => setError(errorMessage(e)) }),
  );

  return (
    <Card
      title="People"
      description="Members of the organisation and of its workspaces. Removing someone takes them out of every workspace of the organisation at once; their keys there stop working."
      testId="org-people"
    >
      <FormError message={error ?? people.error?.message} />
      <QueryTable query={people}>
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th>Person</th>
              <th>Organisation role</th>
              <th>Workspaces</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {people.data?.map((p) => (
              <tr key={p.userId} className="border-t align-top" data-testid={`org-person-${p.email}`}>
                <td className="py-2">
                  <div className="font-medium">{p.name ?? p.email}</div>
                  {p.name ? <div className="text-muted-foreground">{p.email}</div> : null}
                </td>
                <td className="py-2">
                  <select
                    aria-label={`Organisation role of ${p.email}`}
                    className={SELECT_CLASS}
                    data-testid={`org-person-role-${p.email}`}
                    value={p.orgRole ?? ""}
                    disabled={setRole.isPending}
                    onChange={(e) => e.target.value && setRole.mutate({ userId: p.userId, role: e.target.value as OrgRole })}
                  >
                    {p.orgRole ? null : <option value="">— (workspaces only)</option>}
                    {ORG_ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="py-2">
                  <ul className="grid gap-1">
                    {p.workspaces.map((w) => (
                      <li key={w.slug} className="flex items-center gap-2">
                        {w.name} <RoleBadge role={w.role} />
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="py-2 text-right">
                  {p.userId === currentUserId ? null : (
                    <RowDangerButton
                      testId={`org-person-remove-${p.email}`}
                      onClick={async () => {
                        if (
                          await confirm({
                            title: `Remove ${p.email} from the organisation?`,
                            description: `They leave ${p.workspaces.length} workspace(s) of the organisation at once; their API keys there are revoked and their running runs cancelled.`,
                            confirmLabel: "Remove everywhere",
                            destructive: true,
                          })
                        )
                          remove.mutate({ userId: p.userId });
                      }}
                    >
                      Remove
                    </RowDangerButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
    </Card>
  );
}
