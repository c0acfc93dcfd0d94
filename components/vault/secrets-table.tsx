"use client";

import { useConfirm } from "@/components/ui/confirm";
import { useState, type FormEvent } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { maskedValue, valueProblem } from "./names";

/** The inline "Replace value" form of one row: a password input, never pre-filled. */
function ReplaceValue({ secretId, name, onDone }: { secretId: string; name: string; onDone: (replaced: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const replace = useMutation(
    trpc.secrets.update.mutationOptions({
      onSuccess: () => onDone(true),
      onError: (e) => {
        setValue("");
        setProblem(errorMessage(e));
      },
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.secrets.list.pathKey() }),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const p = valueProblem(value);
    if (p) return setProblem(p);
    setProblem(null);
    replace.mutate({ secretId, value });
  }
  return (
    <form className="replace-value" onSubmit={onSubmit} noValidate autoComplete="off" data-testid="secret-replace-form">
      <label className="visually-hidden" htmlFor={`replace-${secretId}`}>
        New value of {name}
      </label>
      <input
        id={`replace-${secretId}`}
        data-testid="secret-replace-value"
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        placeholder="New value"
        // biome-ignore lint/a11y/noAutofocus: the field appears because the user just pressed Replace
        autoFocus
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" className="btn btn-primary btn-sm" data-testid="secret-replace-save" disabled={replace.isPending}>
        {replace.isPending ? "Saving…" : "Save"}
      </button>
      <button type="button" className="btn btn-ghost btn-sm" data-testid="secret-replace-cancel" onClick={() => onDone(false)}>
        Cancel
      </button>
      {problem ? (
        <span className="replace-error" data-testid="form-error" role="alert">
          {problem}
        </span>
      ) : null}
    </form>
  );
}

export function SecretsTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const secrets = usePagedList(useInfiniteQuery(trpc.secrets.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam })));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [replacing, setReplacing] = useState<string | null>(null);
  const remove = useMutation(
    trpc.secrets.delete.mutationOptions({
      onMutate: () => {
        setError(null);
        setNotice(null);
      },
      onError: (e) => setError(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.secrets.list.pathKey() }),
    }),
  );
  const canUpdate = can("secrets:update");
  const confirm = useConfirm();
  const canDelete = can("secrets:delete");
  const showActions = canUpdate || canDelete;

  return (
    <Card
      title="Secrets"
      description={
        secrets.data
          ? secrets.hasNextPage
            ? `The newest ${secrets.data.length} secrets; load more below`
            : `${secrets.data.length} ${secrets.data.length === 1 ? "secret" : "secrets"} in this workspace`
          : undefined
      }
    >
      <FormError message={error ?? (secrets.isError ? errorMessage(secrets.error) : null)} />
      {notice ? (
        <p className="success-text" data-testid="secret-notice" role="status">
          {notice}
        </p>
      ) : null}
      <QueryTable
        query={secrets}
        empty={
          <p className="muted" data-testid="secret-empty">
            No secrets yet.
          </p>
        }
      >
        <table className="table table-secrets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>Value</th>
              <th>Used by</th>
              <th>Created</th>
              <th>Last used</th>
              {showActions ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {secrets.data?.map((s) => {
              const deleting = remove.isPending && remove.variables?.secretId === s.id;
              return (
                <tr key={s.id} data-testid="secret-row" data-name={s.name} data-secret-id={s.id}>
                  <td>
                    <code className="secret-name">{s.name}</code>
                  </td>
                  <td>{s.description || <span className="muted">—</span>}</td>
                  <td>
                    <code className="key-hint" data-testid="secret-last4" title={s.last4 ? "Last 4 characters" : "Too short to show any characters"}>
                      {maskedValue(s.last4)}
                    </code>
                  </td>
                  <td data-testid="secret-used-by">
                    {s.usedBy.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <ul className="used-by">
                        {s.usedBy.map((u) => (
                          <li key={`${u.type}:${u.id}`}>
                            <span className="muted">{u.type}</span> {u.name}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="nowrap">{formatDate(s.createdAt)}</td>
                  <td className="nowrap">{s.lastUsedAt ? formatDateTime(s.lastUsedAt) : <span className="muted">never</span>}</td>
                  {showActions ? (
                    <td className="actions-col">
                      {replacing === s.id ? (
                        <ReplaceValue
                          secretId={s.id}
                          name={s.name}
                          onDone={(replaced) => {
                            setReplacing(null);
                            if (replaced) setNotice(`The value of ${s.name} was replaced.`);
                          }}
                        />
                      ) : (
                        <div className="button-row">
                          {canUpdate ? (
                            <button
                              type="button"
                              className="btn btn-secondary btn-sm"
                              data-testid="secret-replace"
                              onClick={() => {
                                setNotice(null);
                                setReplacing(s.id);
                              }}
                            >
                              Replace value
                            </button>
                          ) : null}
                          {canDelete ? (
                            <RowDangerButton
                              testId="secret-delete"
                              disabled={deleting}
                              onClick={async () => {
                                const ok = await confirm({
                                  title: `Delete the secret ${s.name}?`,
                                  description: "Its value is destroyed and cannot be recovered.",
                                  confirmLabel: "Delete secret",
                                  destructive: true,
                                });
                                if (ok) remove.mutate({ secretId: s.id });
                              }}
                            >
                              {deleting ? "Deleting…" : "Delete"}
                            </RowDangerButton>
                          ) : null}
                        </div>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </QueryTable>
      <LoadMore list={secrets} testId="secrets-load-more" />
    </Card>
  );
}
