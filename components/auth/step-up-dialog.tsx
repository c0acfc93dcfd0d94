"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTRPCClient } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { setStepUpRequester } from "@/lib/trpc/step-up-link";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/form-error";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { startAuthentication } from "@simplewebauthn/browser";
import { passkeyCeremonyError } from "./passkey-errors";

/**
 * The re-authentication a sensitive action asks for (STEP_UP_REQUIRED, lib/trpc/step-up-link.ts): the password
 * and/or a code of the authenticator app (or a recovery code), or a passkey. Mounted once, in the app's providers.
 */
export function StepUpDialog() {
  const client = useTRPCClient();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const settle = useRef<((ok: boolean) => void) | null>(null);

  useEffect(() => {
    setStepUpRequester(
      () =>
        new Promise<boolean>((resolve) => {
          settle.current?.(false);
          settle.current = resolve;
          setPassword("");
          setCode("");
          setError(null);
          setOpen(true);
        }),
    );
    return () => setStepUpRequester(null);
  }, []);

  function close(ok: boolean) {
    settle.current?.(ok);
    settle.current = null;
    setOpen(false);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!password && !code.trim()) return setError("Enter your password or a code");
    setPending(true);
    setError(null);
    try {
      await client.account.stepUp.mutate(password ? { password, ...(code.trim() ? { code: code.trim() } : {}) } : { code: code.trim() });
      close(true);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setPending(false);
    }
  }

  async function onPasskey() {
    setPending(true);
    setError(null);
    try {
      const optionsJSON = await client.account.passkeys.authenticationOptions.mutate();
      const webauthn = await startAuthentication({ optionsJSON });
      await client.account.stepUp.mutate({ webauthn });
      close(true);
    } catch (e) {
      setError(passkeyCeremonyError(e) ?? errorMessage(e));
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={(o) => (o ? setOpen(true) : close(false))}>
      <DialogContent data-testid="step-up-dialog">
        <DialogHeader>
          <DialogTitle>Confirm it is you</DialogTitle>
          <DialogDescription>
            This action needs a recent sign-in. Enter your password (and your app's code if you use one), or just a code, or use a passkey.
          </DialogDescription>
        </DialogHeader>
        <form className="grid gap-3" onSubmit={onSubmit} noValidate>
          <div className="grid gap-2">
            <Label htmlFor="step-up-password">Password</Label>
            <Input
              id="step-up-password"
              data-testid="step-up-password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="step-up-code">Code (authenticator app or recovery code)</Label>
            <Input
              id="step-up-code"
              data-testid="step-up-code"
              autoComplete="one-time-code"
              maxLength={64}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </div>
          <FormError message={error} />
          <Button type="submit" data-testid="step-up-submit" disabled={pending}>
            Confirm
          </Button>
          <Button type="button" variant="outline" data-testid="step-up-passkey" disabled={pending} onClick={() => void onPasskey()}>
            Use a passkey
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
