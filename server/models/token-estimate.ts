/**
 * Token counts estimated before a call (budget reservations, routing by context window) and for the text of a call
 * whose provider reported no usage (a cut stream, a timed-out call).
 *
 * - OpenAI models: their tokenizer (gpt-tokenizer, loaded at first use): o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, the o-series
 *   and gpt-oss; cl100k_base for gpt-4, gpt-3.5 and the text-embedding models. Exact for the text (message framing
 *   adds a few tokens). Long texts seen recently (system prompts, a team's shared context) are counted once.
 * - Every other model: a character heuristic tuned to over- rather than under-count: CJK characters (Han, kana,
 *   Hangul) one token each; in text dense with punctuation and symbols (over 10 %: code, JSON) letters, digits and
 *   whitespace four characters a token and the symbols two; other text (prose) characters / 4.
 */
export type TokenizerName = "o200k_base" | "cl100k_base";

/**
 * The tokenizers load at their first use (`loadTokenizers`; the gateway loads those of the models it may call before
 * it counts): their rank tables are about 30 MB of memory that a server without OpenAI models never needs. A count
 * asked for before its tokenizer has loaded uses the heuristic and starts the load.
 */
const tokenizers: Partial<Record<TokenizerName, (text: string) => number>> = {};
const loading = new Map<TokenizerName, Promise<void>>();

function loadTokenizer(name: TokenizerName): Promise<void> {
  let load = loading.get(name);
  if (!load) {
    load = (name === "o200k_base" ? import("gpt-tokenizer/encoding/o200k_base") : import("gpt-tokenizer/encoding/cl100k_base")).then((m) => {
      tokenizers[name] = m.countTokens;
    });
    load.catch(() => loading.delete(name)); // tried again at the next use
    loading.set(name, load);
  }
  return load;
}

/** Loads the tokenizers of these models (nothing to wait for when they are loaded, or none is known). */
export function loadTokenizers(models: Iterable<{ modelId: string }>): Promise<void> | undefined {
  let pending: Promise<void>[] | undefined;
  for (const { modelId } of models) {
    const name = tokenizerOf(modelId);
    if (name && !tokenizers[name]) (pending ??= []).push(loadTokenizer(name));
  }
  return pending ? Promise.all(pending).then(() => undefined) : undefined;
}

const O200K = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o\d)/i;
const CL100K = /^(?:gpt-4|gpt-3\.5|text-embedding-)/i;

/** The tokenizer of a provider model id (an `openai/` prefix is ignored), or null when the family's is unknown. */
export function tokenizerOf(modelId: string | undefined): TokenizerName | null {
  if (!modelId) return null;
  const id = modelId.replace(/^openai\//i, "");
  if (O200K.test(id)) return "o200k_base";
  if (CL100K.test(id)) return "cl100k_base";
  return null;
}

/** Texts at least this long are remembered with their count. */
const CACHE_MIN_CHARS = 2_000;
const CACHE_SIZE = 256;
const counted = new Map<string, number>();

/** Tokens of `text` for the model: its tokenizer when known, else the heuristic. */
export function countTextTokens(text: string, modelId?: string): number {
  if (!text) return 0;
  const tokenizer = tokenizerOf(modelId);
  if (!tokenizer) return heuristicTokens(text);
  if (!tokenizers[tokenizer]) {
    void loadTokenizer(tokenizer).catch(() => undefined);
    return heuristicTokens(text);
  }
  if (text.length < CACHE_MIN_CHARS) return encode(tokenizer, text);
  const key = `${tokenizer}:${text}`;
  const hit = counted.get(key);
  if (hit !== undefined) {
    counted.delete(key);
    counted.set(key, hit);
    return hit;
  }
  const n = encode(tokenizer, text);
  if (counted.size >= CACHE_SIZE) counted.delete(counted.keys().next().value!);
  counted.set(key, n);
  return n;
}

function encode(tokenizer: TokenizerName, text: string): number {
  return tokenizers[tokenizer]!(text);
}

/** The heuristic for tokenizers not known here (see the file comment). */
export function heuristicTokens(text: string): number {
  let cjk = 0;
  let plain = 0;
  let symbols = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      // letters, digits and whitespace / punctuation and symbols
      if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || c === 9 || c === 10 || c === 13) plain++;
      else symbols++;
    } else if (
      (c >= 0x3040 && c <= 0x30ff) || // kana
      (c >= 0x3400 && c <= 0x9fff) || // CJK ideographs
      (c >= 0xac00 && c <= 0xd7af) || // Hangul syllables
      (c >= 0xf900 && c <= 0xfaff) || // compatibility ideographs
      (c >= 0xff00 && c <= 0xffef) || // full-width forms
      (c >= 0x3000 && c <= 0x303f) // CJK punctuation
    ) {
      cjk++;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      // a surrogate pair (emoji, rare ideographs): about a token or two
      cjk++;
      i++;
    } else {
      // other scripts (accented Latin, Cyrillic, Greek …): tokenizers split them finer than ASCII
      symbols++;
    }
  }
  // text with few symbols (prose, prompts with a little markup) stays at characters / 4, the estimate the context
  // budgets fit outputs with (server/topologies/context-budget.ts); symbol-dense text (code, JSON) counts them double
  const other = plain + symbols;
  return cjk + (symbols > SYMBOL_DENSE * other ? Math.ceil(plain / 4 + symbols / 2) : Math.ceil(other / 4));
}

/** The share of punctuation and symbols above which text counts as code or data (prose has 2-5 %, code 15-30 %). */
const SYMBOL_DENSE = 0.1;
