import { isSsoErrorCode, SSO_ERRORS } from "@/lib/schemas/sso";

/**
 * What the sign-in and account pages say for the codes an OAuth round trip comes back with (`?error=`): next-auth's
 * own and the refusals of server/auth/oauth-link.ts. Shared by both pages.
 */
export function describeAuthError(error: string | undefined | null): string | null {
  if (!error) return null;
  // an organisation's single sign-on: its refusals and forced SSO (lib/schemas/sso.ts)
  if (isSsoErrorCode(error)) return SSO_ERRORS[error];
  switch (error) {
    case "CredentialsSignin":
      return "Wrong email or password";
    case "EmailUnverified":
    case "AccessDenied":
      return "That account cannot sign in here: the provider has not verified its email address.";
    case "AccountNotLinked":
    case "OAuthAccountNotLinked":
      return "A Cadre account already uses this email address, and it was not connected to this provider. Sign in with your password, then connect the provider from your account settings.";
    case "SignupClosed":
      return "Sign-up is not open to this email address on this server. Ask an administrator for an invitation.";
    case "LinkedElsewhere":
      return "That provider account is already connected to another Cadre account.";
    case "ProviderAlreadyLinked":
      return "Your account is already connected to another account of this provider.";
    case "AccountDeactivated":
      return "Your organisation has deactivated this account. Ask its administrator to re-activate it.";
    case "UnknownProvider":
      return "That sign-in provider is not configured on this server.";
    case "Configuration":
      return "Sign-in is misconfigured on the server. Contact your administrator.";
    default:
      return "Sign-in failed. Try again.";
  }
}
