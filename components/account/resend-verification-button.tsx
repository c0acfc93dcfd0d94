"use client";

import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { FormError } from "@/components/ui/form-error";
import { Button } from "@/components/ui/button";

export function ResendVerificationButton() {
  const trpc = useTRPC();
  const resend = useMutation(trpc.auth.resendVerification.mutationOptions());
  const [done, setDone] = useState(false);
  return (
    <div>
      <Button
        variant="outline"
        size="sm"
        data-testid="resend-verification"
        disabled={resend.isPending || done}
        onClick={() => resend.mutate(undefined, { onSuccess: () => setDone(true) })}
      >
        {resend.isPending ? "Sending…" : done ? "Sent: check your email" : "Send the verification link again"}
      </Button>
      <FormError message={resend.error ? errorMessage(resend.error) : null} />
    </div>
  );
}
