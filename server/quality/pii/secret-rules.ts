/**
 * Secret recognisers as data, ported from the default rule set of gitleaks (https://github.com/gitleaks/gitleaks,
 * config/gitleaks.toml, MIT licence, Copyright (c) 2019 Zachary Rice): the rule ids are gitleaks' own, the patterns
 * are its regexes with the capture group around the secret dropped (the whole match is the secret here) and the
 * keyword pre-check kept as `keywords` (a rule runs only on text that holds one, case-insensitive: gitleaks' own
 * speed-up). Added for Cadre: its own API keys, and passwords in URLs.
 *
 * The allowlist follows gitleaks' too: documentation examples (AWS's AKIAIOSFODNN7EXAMPLE and every value ending in
 * EXAMPLE), and placeholders made of one repeated character (xxxx..., 0000...).
 */
export interface SecretRule {
  id: string;
  /** the secret; compiled with the global flag (and `i` when `ignoreCase`) */
  pattern: string;
  keywords: string[];
  ignoreCase?: boolean;
  /** the entity the match is: "jwt" for tokens that carry claims, else "secret" */
  entity?: "secret" | "jwt";
}

export const SECRET_RULES: SecretRule[] = [
  {
    id: "private-key",
    pattern: String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`,
    keywords: ["-----begin"],
  },
  { id: "aws-access-token", pattern: String.raw`\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`, keywords: ["akia", "asia", "abia", "acca", "a3t"] },
  { id: "github-pat", pattern: String.raw`\bghp_[0-9a-zA-Z]{36}\b`, keywords: ["ghp_"] },
  { id: "github-fine-grained-pat", pattern: String.raw`\bgithub_pat_\w{82}\b`, keywords: ["github_pat_"] },
  { id: "github-oauth", pattern: String.raw`\bgho_[0-9a-zA-Z]{36}\b`, keywords: ["gho_"] },
  { id: "github-app-token", pattern: String.raw`\b(?:ghu|ghs)_[0-9a-zA-Z]{36}\b`, keywords: ["ghu_", "ghs_"] },
  { id: "github-refresh-token", pattern: String.raw`\bghr_[0-9a-zA-Z]{36}\b`, keywords: ["ghr_"] },
  { id: "gitlab-pat", pattern: String.raw`\bglpat-[\w-]{20}\b`, keywords: ["glpat-"] },
  { id: "slack-bot-token", pattern: String.raw`\bxoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*`, keywords: ["xoxb"] },
  { id: "slack-user-token", pattern: String.raw`\bxox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}`, keywords: ["xoxp-", "xoxe-"] },
  {
    id: "slack-webhook-url",
    pattern: String.raw`(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}`,
    keywords: ["hooks.slack.com"],
  },
  {
    id: "stripe-access-token",
    pattern: String.raw`\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}\b`,
    keywords: ["sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod"],
  },
  { id: "anthropic-api-key", pattern: String.raw`\bsk-ant-(?:api03|admin01)-[a-zA-Z0-9_-]{93}AA\b`, keywords: ["sk-ant-"] },
  {
    id: "openai-api-key",
    pattern: String.raw`\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,74}T3BlbkFJ[A-Za-z0-9_-]{58,74}\b|\bsk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}\b`,
    keywords: ["t3blbkfj"],
  },
  { id: "gcp-api-key", pattern: String.raw`\bAIza[\w-]{35}(?![\w-])`, keywords: ["aiza"] },
  { id: "huggingface-access-token", pattern: String.raw`\bhf_[a-zA-Z]{34}\b`, keywords: ["hf_"] },
  { id: "groq-api-key", pattern: String.raw`\bgsk_[a-zA-Z0-9]{52}\b`, keywords: ["gsk_"] },
  { id: "npm-access-token", pattern: String.raw`\bnpm_[a-z0-9]{36}\b`, keywords: ["npm_"], ignoreCase: true },
  { id: "pypi-upload-token", pattern: String.raw`pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}`, keywords: ["pypi-ageichlwas5vcmc"] },
  { id: "sendgrid-api-token", pattern: String.raw`\bSG\.[a-zA-Z0-9=_.-]{66}\b`, keywords: ["sg."] },
  { id: "twilio-api-key", pattern: String.raw`\bSK[0-9a-fA-F]{32}\b`, keywords: ["sk"] },
  { id: "digitalocean-pat", pattern: String.raw`\bdop_v1_[a-f0-9]{64}\b`, keywords: ["dop_v1_"] },
  { id: "shopify-access-token", pattern: String.raw`\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`, keywords: ["shpat_", "shpca_", "shppa_", "shpss_"] },
  { id: "mailgun-private-api-token", pattern: String.raw`\bkey-[a-f0-9]{32}\b`, keywords: ["key-"] },
  { id: "cadre-api-key", pattern: String.raw`\bcadre_[A-Za-z0-9_-]{43}(?![\w-])`, keywords: ["cadre_"] },
  { id: "url-password", pattern: String.raw`\b[a-z][a-z0-9+.-]*://[^\s/@:]+:[^\s/@]+@[^\s/@]+`, keywords: ["://"], ignoreCase: true },
  { id: "bearer-token", pattern: String.raw`\bBearer\s+[A-Za-z0-9._~+/-]{20,}=*`, keywords: ["bearer"], ignoreCase: true },
  { id: "jwt", pattern: String.raw`\bey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/_-]{17,}\.(?:[a-zA-Z0-9/_-]{10,}={0,2})?`, keywords: ["ey"], entity: "jwt" },
];

/** gitleaks' allowlist of documentation examples and placeholders: matched, yet not a secret. */
export function allowlisted(value: string): boolean {
  if (/EXAMPLE$/i.test(value) || /EXAMPLEKEY/i.test(value)) return true;
  // a run of one repeated character as long as the rest of the value is a placeholder, not a key
  const body = value.replace(/^[A-Za-z]+[_-]/, "");
  return body.length >= 8 && /^(.)\1+$/.test(body);
}
