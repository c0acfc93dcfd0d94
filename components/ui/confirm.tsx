"use client";

import { createContext, type ReactNode, useCallback, useContext, useRef, useState } from "react";
import { errorMessage } from "@/lib/trpc/errors";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "./alert-dialog";
import { Button } from "./button";

export interface ConfirmOptions {
  title: ReactNode;
  description?: ReactNode;
  /** the confirm button's label ("Delete", "Revoke"); "Confirm" when not given */
  confirmLabel?: string;
  cancelLabel?: string;
  /** a red confirm button, for what cannot be undone */
  destructive?: boolean;
}

/**
 * A dialog that asks before doing something (instead of the browser's confirm()). With `onConfirm` the dialog stays
 * open while the action runs (the button says so) and shows its error if it fails; it closes when it succeeds.
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel = "Confirm",
  cancelLabel = "Cancel",
  destructive = false,
  onConfirm,
}: ConfirmOptions & { open: boolean; onOpenChange: (open: boolean) => void; onConfirm: () => unknown }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const change = (next: boolean) => {
    if (pending) return; // no closing half-way through the action
    if (!next) setError(null);
    onOpenChange(next);
  };

  const confirm = async () => {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      setPending(false);
      onOpenChange(false);
    } catch (e) {
      setPending(false);
      setError(errorMessage(e));
    }
  };

  return (
    <AlertDialog open={open} onOpenChange={change}>
      <AlertDialogContent data-testid="confirm-dialog">
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          {description ? <AlertDialogDescription>{description}</AlertDialogDescription> : null}
        </AlertDialogHeader>
        {error ? (
          <p role="alert" data-testid="confirm-error" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
            {error}
          </p>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={pending} data-testid="confirm-cancel">
            {cancelLabel}
          </AlertDialogCancel>
          {/* not AlertDialogAction: that closes the dialog at once, before an async action has finished */}
          <Button
            variant={destructive ? "destructive" : "default"}
            disabled={pending}
            aria-busy={pending}
            data-testid="confirm-ok"
            onClick={() => void confirm()}
          >
            {pending ? "Working…" : confirmLabel}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

type Confirm = (options: ConfirmOptions) => Promise<boolean>;

const ConfirmContext = createContext<Confirm | null>(null);

/** Mounts the one dialog behind useConfirm() (components/providers.tsx). */
export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [options, setOptions] = useState<ConfirmOptions | null>(null);
  const [open, setOpen] = useState(false);
  // each question mounts its own dialog: one asked while the last still animates out never shares its overlay
  const [question, setQuestion] = useState(0);
  const resolver = useRef<((answer: boolean) => void) | null>(null);

  const settle = (answer: boolean) => {
    resolver.current?.(answer);
    resolver.current = null;
  };

  const confirm = useCallback<Confirm>((next) => {
    resolver.current?.(false); // a second question cancels the first
    setQuestion((n) => n + 1);
    setOptions(next);
    setOpen(true);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);

  return (
    <ConfirmContext value={confirm}>
      {children}
      {options ? (
        <ConfirmDialog
          key={question}
          {...options}
          open={open}
          onOpenChange={(next) => {
            setOpen(next);
            if (!next) settle(false);
          }}
          onConfirm={() => settle(true)}
        />
      ) : null}
    </ConfirmContext>
  );
}

/**
 * `const confirm = useConfirm(); if (await confirm({ title: "Delete x?", confirmLabel: "Delete", destructive: true })) ...`
 * resolves true when the person confirms, false when they cancel (button, Escape).
 */
export function useConfirm(): Confirm {
  const confirm = useContext(ConfirmContext);
  if (!confirm) throw new Error("useConfirm() needs <ConfirmProvider> (components/providers.tsx)");
  return confirm;
}
